# Boligarkiv application image: the CLI with OCR (Tesseract, Norwegian), .doc text (antiword) and every stage;
# PostgreSQL (psycopg) and OpenSearch/Elasticsearch (opensearch-py) clients included.
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nor antiword \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir ".[es,postgres]"
ENV BOLIGARKIV_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["boligarkiv"]
CMD ["status"]
