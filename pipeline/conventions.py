"""The documented conventions (pipeline/conventions.yaml), read once."""
from pathlib import Path

from .files import read_config

CONVENTIONS = read_config(Path(__file__).with_name("conventions.yaml"))
