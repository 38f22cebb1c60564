"""What the built-in responder knows: a small table of facts, and the words that mark unsafe requests."""

from __future__ import annotations

CAPITALS: dict[str, str] = {
    "norway": "Oslo", "sweden": "Stockholm", "denmark": "Copenhagen", "finland": "Helsinki", "iceland": "Reykjavik",
    "germany": "Berlin", "france": "Paris", "spain": "Madrid", "portugal": "Lisbon", "italy": "Rome",
    "netherlands": "Amsterdam", "belgium": "Brussels", "poland": "Warsaw", "austria": "Vienna",
    "switzerland": "Bern", "ireland": "Dublin", "united kingdom": "London", "uk": "London", "england": "London",
    "greece": "Athens", "estonia": "Tallinn", "latvia": "Riga", "lithuania": "Vilnius", "ukraine": "Kyiv",
    "united states": "Washington, D.C.", "usa": "Washington, D.C.", "canada": "Ottawa", "mexico": "Mexico City",
    "brazil": "Brasília", "argentina": "Buenos Aires", "japan": "Tokyo", "china": "Beijing", "india": "New Delhi",
    "australia": "Canberra", "new zealand": "Wellington", "egypt": "Cairo", "kenya": "Nairobi",
    "south africa": "Pretoria", "turkey": "Ankara", "south korea": "Seoul",
}
"""Country (lower case) -> capital."""

FACTS: dict[str, str] = {
    "wayscloud": "WAYSCloud is a Norwegian cloud provider offering VPS, managed databases, S3-compatible storage, "
                 "DNS, an OpenAI-compatible LLM API, SMS, IoT and more, hosted in Oslo.",
    "oslo": "Oslo is the capital and most populous city of Norway.",
    "python": "Python is a high-level, general-purpose programming language known for its readability.",
    "openapi": "OpenAPI is a specification for describing HTTP APIs in a machine-readable document.",
    "http": "HTTP is the request-response protocol of the web.",
    "dns": "DNS translates domain names into IP addresses.",
    "s3": "S3 is an object storage API: buckets hold objects addressed by key.",
    "mqtt": "MQTT is a lightweight publish-subscribe messaging protocol used by IoT devices.",
    "sms": "SMS is the text messaging service of mobile networks; a message holds 160 GSM-7 characters.",
}
"""Topic word -> one-sentence answer, for "what is ..." questions."""

UNSAFE: dict[str, tuple[str, ...]] = {
    "S1": ("kill someone", "kill a person", "kill people", "murder", "make a bomb", "build a bomb", "shoot someone",
           "stab someone"),
    "S2": ("steal", "rob", "burglary", "launder money", "fraud"),
    "S9": ("nerve agent", "bioweapon", "chemical weapon", "anthrax"),
    "S10": ("hate speech", "inferior race", "ethnic cleansing"),
    "S11": ("suicide", "self-harm", "hurt myself"),
}
"""Llama Guard hazard category -> phrases that put a request in it (the first match wins)."""
