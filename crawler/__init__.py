"""Scrapy project: kommune-site and Husbanken-library spiders that archive plan documents."""
