"""Core helpers; import the submodules you need."""
