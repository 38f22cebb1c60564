"""The example pack: the smallest complete pack, to copy into ``twinstack/packs/<slug>/`` (see its README).

Its folder starts with ``_``, so pack discovery skips it: it is never served itself.
"""
