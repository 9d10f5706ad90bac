"""Sub-commands of ``python -m sigap``; each module defines ``register(subparsers)``."""
