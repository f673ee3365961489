"""The documented conventions (pipeline/conventions.yaml), read once."""
from pathlib import Path

from .files import read_yaml

CONVENTIONS = read_yaml(Path(__file__).with_name("conventions.yaml"))
