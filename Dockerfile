# Boligarkiv application image: the CLI with OCR (Tesseract, Norwegian) and every stage.
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nor \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir ".[es]"
ENV BOLIGARKIV_DATA_DIR=/data BOLIGARKIV_SEEDS=/app/seeds/kommune_urls.csv
VOLUME ["/data"]
ENTRYPOINT ["boligarkiv"]
CMD ["status"]
