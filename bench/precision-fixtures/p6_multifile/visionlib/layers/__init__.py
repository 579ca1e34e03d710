from .helpers import grid_after_patching
from .patch_embed import PatchEmbed
from .block import Block
