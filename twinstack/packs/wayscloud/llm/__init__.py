"""The WAYSCloud LLM twin: an OpenAI-compatible model catalogue, a deterministic responder, embeddings.

No model runs: answers come from a small built-in knowledge table and rules (``responder``), the
same input giving the same output; embeddings (``embeddings``) are feature-hashed with a small
concept lexicon so related words land near each other. ``tokens`` counts tokens offline.
"""
