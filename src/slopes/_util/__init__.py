"""Shared plumbing with no knowledge of differentiation or optimisation.

``warnings`` holds :class:`SlopesWarning`, the one warning class slopes raises;
``pytree`` flattens nested containers of arrays to one vector and back;
``result`` is the common base of the result objects and their status words;
``display`` formats results for printing; ``progress`` draws progress bars.
Nothing here imports any other part of slopes.
"""
