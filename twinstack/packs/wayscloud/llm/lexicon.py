"""Groups of words that mean nearly the same, so their embeddings land near each other.

Feature hashing alone makes "dog" and "puppy" strangers (they share no letters); a word of a group
also carries the group's direction. Small on purpose: the everyday words of tests and demos.
"""

from __future__ import annotations

GROUPS: tuple[tuple[str, ...], ...] = (
    ("dog", "puppy", "canine", "hound", "pup", "doggy", "labrador", "poodle", "terrier", "bark"),
    ("cat", "kitten", "feline", "kitty", "meow", "tomcat"),
    ("animal", "pet", "creature", "beast", "wildlife", "mammal"),
    ("bird", "sparrow", "eagle", "parrot", "crow", "pigeon"),
    ("fish", "salmon", "trout", "cod", "tuna", "herring"),
    ("car", "automobile", "vehicle", "truck", "van", "sedan", "driving", "drive"),
    ("bicycle", "bike", "cycling", "cyclist"),
    ("train", "railway", "rail", "locomotive", "tram", "metro"),
    ("airplane", "plane", "aircraft", "flight", "airport", "jet", "fly"),
    ("house", "home", "building", "apartment", "flat", "residence", "dwelling"),
    ("food", "meal", "dinner", "lunch", "breakfast", "eat", "cooking", "recipe", "dish"),
    ("fruit", "apple", "banana", "orange", "pear", "grape", "berry"),
    ("drink", "beverage", "coffee", "tea", "juice", "water"),
    ("invoice", "bill", "billing", "receipt", "payment", "pay", "charge", "price", "pricing", "cost", "fee",
     "subscription", "plan"),
    ("money", "cash", "currency", "dollar", "euro", "krone", "nok", "budget", "finance", "bank"),
    ("refund", "reimbursement", "chargeback", "return", "cancel", "cancellation"),
    ("account", "profile", "login", "signin", "password", "credential", "sign"),
    ("weather", "rain", "snow", "sunny", "forecast", "temperature", "storm", "wind", "cloudy"),
    ("happy", "glad", "joyful", "cheerful", "pleased", "delighted"),
    ("sad", "unhappy", "sorrow", "depressed", "miserable", "gloomy"),
    ("angry", "mad", "furious", "annoyed", "irritated"),
    ("big", "large", "huge", "giant", "enormous"),
    ("small", "little", "tiny", "miniature"),
    ("fast", "quick", "rapid", "speedy", "swift"),
    ("computer", "laptop", "pc", "desktop", "server", "machine"),
    ("software", "program", "application", "app", "code", "coding", "programming", "developer"),
    ("database", "postgresql", "postgres", "mysql", "mariadb", "sql", "table", "query"),
    ("storage", "bucket", "object", "file", "upload", "download", "s3", "disk"),
    ("network", "internet", "dns", "domain", "ip", "router", "web", "website"),
    ("message", "sms", "text", "email", "mail", "notification", "chat"),
    ("phone", "mobile", "telephone", "smartphone", "call"),
    ("doctor", "physician", "nurse", "hospital", "clinic", "medical", "health"),
    ("school", "student", "teacher", "university", "education", "class", "learning"),
    ("music", "song", "melody", "guitar", "piano", "concert"),
    ("sport", "football", "soccer", "tennis", "game", "match", "team"),
    ("city", "town", "capital", "village", "oslo", "london", "paris", "berlin"),
    ("norway", "norwegian", "sweden", "denmark", "scandinavia", "nordic"),
    ("shipping", "delivery", "deliver", "parcel", "package", "shipment", "order"),
    ("support", "help", "assistance", "contact", "service", "customer"),
    ("security", "secure", "encryption", "firewall", "protection", "safe"),
    ("error", "bug", "failure", "crash", "problem", "issue", "broken"),
    ("time", "hour", "minute", "clock", "schedule", "date", "day"),
)

CONCEPT_OF: dict[str, int] = {word: index for index, group in enumerate(GROUPS) for word in group}
"""Word -> its group's index."""
