"""Norwegian analysis: lemmas (nb and nn), signal lexicon and matcher, negation, entities, scores."""
