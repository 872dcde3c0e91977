"""Wine lists for Huiyuan Portal stores: the example plugin of the vendor guide."""
