"""`python -m bench`: ingest, retrieval and answer latency at scale, ours beside plain LlamaIndex."""
