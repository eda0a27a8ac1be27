"""Plain library that turns shows and episodes (dataclasses) into feed bytes. No Flask."""
