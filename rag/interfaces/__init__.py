"""Interfaces for programs over one `Service`: the OpenAI-compatible chat API, the MCP server, and exports."""
