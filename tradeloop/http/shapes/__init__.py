"""The JSON shapes the API answers with, as TypedDicts: the builders are typed to return them, and the reference renders them."""
