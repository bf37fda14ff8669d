# Ctrl-C at any moment, even while the commands load (the anthropic SDK takes
# a second or two), is one line and exit 130.
import contextlib
import os
import sys

try:
    from .cli import main

    main()
except KeyboardInterrupt:  # while loading, before main() could say so itself
    print("interrupted", file=sys.stderr)
except SystemExit as exc:
    if exc.code != 130:
        raise
for stream in (sys.stdout, sys.stderr):
    with contextlib.suppress(OSError):
        stream.flush()
# Not sys.exit: once a Ctrl-C has passed through code run from a string (as a
# dataclass is made while a module loads), CPython ends the process by SIGINT
# at exit, whatever code it was given and though the Ctrl-C was handled.
os._exit(130)
