"""The documented conventions (pipeline/conventions.yaml), read once."""
from .files import read_config
from .paths import CONVENTIONS_YAML

CONVENTIONS = read_config(CONVENTIONS_YAML)
