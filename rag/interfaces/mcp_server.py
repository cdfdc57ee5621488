"""The assistant as a Model Context Protocol server (the official `mcp` SDK): `rag mcp` over stdio, and Streamable
HTTP at `/mcp` on the server. Each tool returns the same JSON as the CLI and the HTTP API, as structured content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from .. import __version__
from ..registry import IndexUnusable
from .service import RequestError, Service

INSTRUCTIONS = (
    "A news assistant over the user's own collection of articles. Every answer cites verbatim quotes "
    "(`citations`: quote, outlet, title, offsets) and lists where the sources disagree (`disagreements`, each side "
    "with who says it). Report answers with their sources; where sources disagree, give every side."
)
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _call(operation: Callable[..., dict], *args: Any) -> dict[str, Any]:
    """A refused request, a {"question", "error"} result or a failed index becomes a tool error that says why."""
    try:
        result = operation(*args)
    except (RequestError, IndexUnusable) as e:
        raise ToolError(str(e)) from None
    if "error" in result and "answer" not in result:
        raise ToolError(result["error"])
    return result


def build_mcp(service: Service) -> MCPServer:
    mcp = MCPServer("news-rag", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")

    @mcp.tool(annotations=READ)
    def ask(question: Annotated[str, Field(description="The question, in the user's words.")],
            history: Annotated[list[str], Field(description="Earlier questions of this conversation, oldest first; "
                                                            "a short follow-up is read with the last.")] = []) -> dict[str, Any]:  # noqa: B006 (MCP reads defaults from the signature)
        """Answer a question about the indexed news articles. Use it for any question about what the articles say:
        the answer text carries [n] markers, `citations` the verbatim quote each [n] points at, `claims` each
        source's own answer, and `disagreements` every side where the sources disagree. `abstained` is true when
        the sources do not answer it: then say so rather than guessing."""
        return _call(service.ask, question, history)

    @mcp.tool(annotations=READ)
    def search(query: Annotated[str, Field(description="Words to look for.")],
               k: Annotated[int, Field(ge=1, le=100, description="How many passages.")] = 5) -> dict[str, Any]:
        """Find passages in the indexed articles (hybrid dense + keyword search), without answering. Use it to
        browse what the collection holds on a subject; each hit's `text` is verbatim at [start:end] of its article."""
        return _call(service.search, query, k)

    @mcp.tool(annotations=READ)
    def disagreements(since: Annotated[str, Field(description="Only entries with a claim from an article dated on "
                                                              "or after this ISO date (YYYY-MM-DD); empty for all.")] = "",
                      outlet: Annotated[str, Field(description="Only entries in which this outlet takes part.")] = ""
                      ) -> dict[str, Any]:
        """The disagreement map, no question needed: every place where the indexed sources disagree (a conflict, a
        figure that changed over time, different things sharing a name, one source against several), most sources
        first, each side with who says it, the outlet, the date and the quote. Use it to see what is contested."""
        return _call(service.disagreements, since, outlet)

    @mcp.tool(annotations=READ)
    def timeline(question: Annotated[str, Field(description="A question whose answer may change over time.")]
                 ) -> dict[str, Any]:
        """The sources' answers to a question ordered by article date, each later report marked as repeating,
        revising or contradicting the earlier ones (no model involved). Use it for figures that change, such as a
        death toll revised day by day; undated reports are listed apart, never placed."""
        return _call(service.timeline, question)

    @mcp.tool(annotations=READ)
    def sources() -> dict[str, Any]:
        """Every indexed article: id, outlet, title, date, link, chunk count and origin (the article whose text a
        syndicated copy runs; its own id otherwise). Use it to tell the user what the collection holds before or
        after asking, and which articles are one report."""
        return _call(service.sources)

    @mcp.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                                          open_world_hint=True))
    def add_link(url: Annotated[str, Field(description="An http(s) link to one news article's page.")]) -> dict[str, Any]:
        """Download one news article by its link and add it to the collection (the same limits and checks as
        `rag ingest URL`: size, time, HTML only). Use it only when the user asks to add that article."""
        return _call(service.add_link, url)

    return mcp
