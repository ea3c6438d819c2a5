"""Comparing runs: table rows, settings that differ, leaderboard, seeds, export/import.

Pure functions over :class:`cnnlab.runs.RunRecord` objects and their histories (the dict
``RunStore.history`` returns). Nothing here imports Keras or Streamlit, so a notebook can
rank its runs the way the Experiments page does.

>>> from cnnlab.runs import RunRecord
>>> a = RunRecord("a", 0.0, "", "finished", {"name": "m"}, {"seed": 0, "epochs": 10}, {},
...               "CPU", 10, 0.0, 5.0, None)
>>> b = RunRecord("b", 1.0, "", "finished", {"name": "m"}, {"seed": 1, "epochs": 10}, {},
...               "CPU", 10, 0.0, 6.0, None)
>>> varying_keys([flat_config(a), flat_config(b)])
['train.seed']
>>> signature(a) == signature(b)  # the seed is luck, not configuration
True
"""

from cnnlab.compare._access import UNOWNED, may_change, run_owner
from cnnlab.compare._challenge import (
    CHALLENGE_DATA,
    CHALLENGE_EPOCHS,
    CHALLENGE_TAG,
    NOTEBOOK_VAL_ACCURACY,
    SEEDS_TAG,
    SeedSpread,
    leaderboard,
    missing_seeds,
    seed_spread,
)
from cnnlab.compare._delete import Refused, delete_runs
from cnnlab.compare._describe import SETTINGS, describe_data, describe_model, settings
from cnnlab.compare._flat import (
    context_key,
    flat_config,
    flatten,
    key_parts,
    signature,
    varying_keys,
)
from cnnlab.compare._history import (
    Histories,
    History,
    best_and_final,
    chance_since,
    overfit_epoch,
)
from cnnlab.compare._io import (
    ImportedConfig,
    config_json,
    history_csv,
    parse_config,
    request_json,
    run_request,
    to_csv,
)
from cnnlab.compare._step6 import (
    STEP6,
    STEP6_TAG,
    step6_compare,
    step6_preset,
    step6_rows,
    step6_todo,
)
from cnnlab.compare._table import (
    SORT_KEYS,
    RunRow,
    config_diff,
    filter_rows,
    run_row,
    run_table,
    sort_rows,
)

__all__ = [
    "CHALLENGE_EPOCHS",
    "CHALLENGE_DATA",
    "NOTEBOOK_VAL_ACCURACY",
    "CHALLENGE_TAG",
    "SEEDS_TAG",
    "STEP6",
    "STEP6_TAG",
    "SETTINGS",
    "SORT_KEYS",
    "History",
    "Histories",
    "ImportedConfig",
    "SeedSpread",
    "best_and_final",
    "overfit_epoch",
    "chance_since",
    "flatten",
    "flat_config",
    "describe_model",
    "describe_data",
    "settings",
    "varying_keys",
    "key_parts",
    "RunRow",
    "run_row",
    "run_table",
    "filter_rows",
    "sort_rows",
    "config_diff",
    "signature",
    "context_key",
    "leaderboard",
    "seed_spread",
    "missing_seeds",
    "step6_preset",
    "step6_rows",
    "step6_todo",
    "step6_compare",
    "to_csv",
    "config_json",
    "parse_config",
    "history_csv",
    "run_request",
    "request_json",
    "delete_runs",
    "Refused",
    "may_change",
    "run_owner",
    "UNOWNED",
]
