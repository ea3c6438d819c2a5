"""Datasets to train on: synthetic shapes, synthetic cats and dogs (the 10-epoch challenge),
LFW faces, Keras datasets and image folders.

Every loader returns a ``Dataset``: x ``(N, H, W, C) uint8`` raw pixels (the model
rescales them itself), y ``(N,) int64``, ``class_names`` and where it came from.

>>> from cnnlab.data import make_shapes, split
>>> train, val = split(make_shapes(200, size=32), val_fraction=0.2, seed=0)
>>> train.x.shape, val.x.shape
((160, 32, 32, 1), (40, 32, 32, 1))
"""

from cnnlab.data._augment import FLIPS, AugmentConfig, augment, augment_many
from cnnlab.data._challenge import CHALLENGE_CLASSES, make_challenge
from cnnlab.data._counts import split_counts
from cnnlab.data._dataset import Dataset
from cnnlab.data._decode import EXTENSIONS, FITS
from cnnlab.data._display import plain_detail, shown_name
from cnnlab.data._folder import REASONS, FolderReport, Skipped, load_folder, parse_image_size
from cnnlab.data._keras import KERAS_SETS, KerasDataError, keras_cache_dir, load_keras
from cnnlab.data._lfw import load_lfw
from cnnlab.data._load import from_spec, input_shape, load_spec, split_spec
from cnnlab.data._roots import (
    cache_dir,
    clean_uploads,
    cnnlab_home,
    data_root,
    list_folders,
    resolve_folder,
    upload_path,
    uploads_dir,
)
from cnnlab.data._shapes import SHAPE_CLASSES, make_shapes
from cnnlab.data._spec import (
    SOURCES,
    ChallengeSpec,
    DatasetSpec,
    FolderSpec,
    KerasSpec,
    LfwSpec,
    ShapesSpec,
    SplitSpec,
    UploadSpec,
    normalize_spec,
    parse_spec,
)
from cnnlab.data._split import split, split_indices, subsample
from cnnlab.data._zip import MAX_BYTES, MAX_FILES, extract_zip, save_upload

__all__ = [
    "Dataset",
    "SHAPE_CLASSES",
    "make_shapes",
    "CHALLENGE_CLASSES",
    "make_challenge",
    "load_lfw",
    "KERAS_SETS",
    "KerasDataError",
    "keras_cache_dir",
    "load_keras",
    "EXTENSIONS",
    "FITS",
    "REASONS",
    "Skipped",
    "FolderReport",
    "load_folder",
    "parse_image_size",
    "MAX_BYTES",
    "MAX_FILES",
    "extract_zip",
    "save_upload",
    "cnnlab_home",
    "data_root",
    "cache_dir",
    "uploads_dir",
    "list_folders",
    "resolve_folder",
    "upload_path",
    "clean_uploads",
    "split",
    "split_indices",
    "subsample",
    "SOURCES",
    "DatasetSpec",
    "SplitSpec",
    "ShapesSpec",
    "ChallengeSpec",
    "LfwSpec",
    "KerasSpec",
    "FolderSpec",
    "UploadSpec",
    "parse_spec",
    "normalize_spec",
    "from_spec",
    "load_spec",
    "split_spec",
    "input_shape",
    "FLIPS",
    "AugmentConfig",
    "augment",
    "augment_many",
    "shown_name",
    "plain_detail",
    "split_counts",
]
