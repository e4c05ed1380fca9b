# Notes on porting between flavours; plain data, no imports.
RENAMES = {"ShowCreation": "Create", "TextMobject": "Tex", "TexMobject": "MathTex"}
