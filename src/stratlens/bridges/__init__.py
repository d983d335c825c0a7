"""Bridges to other evaluation tools: Inspect AI tasks, log import and export.

Nothing else in stratlens imports this package (the CLI's ``import`` and ``export`` commands
call it); it imports stratlens's public pieces (games, prompts, the answer reader, the runner's
plan, the store). Inspect AI is imported only by the modules that need it
(`stratlens.bridges.inspect_tasks`, `stratlens.bridges.inspect_logs`): install the
``[inspect]`` extra to use them.
"""
