"""Stand-in for fill_voids.fill (hole filling of a 2-D or 3-D binary mask), for running the real
Cellpose without the fill_voids package: background not connected to the border is filled."""
from scipy.ndimage import binary_fill_holes


def fill(mask, in_place=False):
    return binary_fill_holes(mask)
