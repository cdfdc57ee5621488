"""Chunk vectors in Chroma (embedded under index/ or a server), through llama-index's vector store."""

from __future__ import annotations

from collections.abc import Sequence

from .settings import Settings
from .types import Chunk, SourceDoc

COLLECTION = "chunks"


class Vectors:
    """Chroma through llama-index's vector store; Chroma's own default embedder never loads."""

    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.vector_stores.chroma import ChromaVectorStore

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https", settings=chroma_settings
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        self.collection = client.get_or_create_collection(
            COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, batch: Sequence[tuple[SourceDoc, list[Chunk], list[list[float]]]]) -> None:
        """A batch of articles' vectors in one delete and one add: Chroma's cost per call outweighs its cost per vector."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
        for doc, chunks, embeddings in batch:
            for c, emb in zip(chunks, embeddings):
                node = TextNode(
                    id_=c.chunk_id(doc.hash),
                    text=c.text,
                    embedding=emb,
                    start_char_idx=c.start,
                    end_char_idx=c.end,
                    metadata={"doc_id": doc.id, "title": doc.title, "outlet": doc.outlet, "furniture": c.furniture},
                )
                node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc.id)
                nodes.append(node)
        ids = [n.node_id for n in nodes]
        if ids:
            self.collection.delete(ids=ids)  # a half-finished earlier run may have left some of them
            self.store.add(nodes)

    def prune(self, docs: Sequence[str], keep: set[str]) -> None:
        """Remove these documents' vectors but `keep` (old versions and orphans of killed ingests), in one query.

        One set of ids serves every document: a chunk's id holds its article's content hash.
        """
        if not docs:
            return
        from chromadb.base_types import InclusionExclusionOperator

        named: dict[InclusionExclusionOperator, list[str | int | float | bool]] = {"$in": list(docs)}
        found = self.collection.get(where={"doc_id": named}, include=[])["ids"]
        stale = [i for i in found if i not in keep]
        if stale:
            self.collection.delete(ids=stale)

    def replace(self, ids: Sequence[str], embeddings: Sequence[Sequence[float]]) -> None:
        """New vectors for stored chunks, their text and metadata kept (`rag reembed`)."""
        import numpy as np

        if ids:
            self.collection.update(ids=list(ids), embeddings=np.asarray(embeddings, dtype=np.float32))

    def keep_only(self, named: set[str]) -> None:
        """Delete every vector whose id is not `named` (orphans of killed ingests, which a move did not re-embed)."""
        stale, offset = [], 0
        while ids := self.collection.get(include=[], limit=5000, offset=offset)["ids"]:
            stale += [i for i in ids if i not in named]
            offset += len(ids)
        for i in range(0, len(stale), 5000):
            self.collection.delete(ids=stale[i:i + 5000])

    def clear(self) -> None:
        """Delete every vector but keep the collection, so other workers' handles on it stay valid."""
        while ids := self.collection.get(include=[], limit=5000)["ids"]:
            self.collection.delete(ids=ids)

    def search(self, embedding: list[float], k: int) -> list[tuple[str, float]]:
        # Ids and distances straight from Chroma: the registry holds the text, so parsing llama-index
        # nodes out of every hit's metadata (what the vector store's query does) is wasted time.
        n = min(k, self.collection.count())
        if n == 0:
            return []
        res = self.collection.query(query_embeddings=[embedding], n_results=n, include=["distances"])  # type: ignore[arg-type]
        distances = res["distances"] or [[]]
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], distances[0])]
