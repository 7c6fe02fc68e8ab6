"""Red flags per kommune from SSB PxWebApi v2 and the ROBEK list."""
