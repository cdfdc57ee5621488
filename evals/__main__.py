from rag.cli import main

main(["eval", *__import__("sys").argv[1:]])
