"""An 'inference' entry's spec fields: the task, the data drawn from a seed, its numbers."""

from derive.catalogue.fields import Choice, Integer, KindFields, Number, Table

FIELDS = KindFields(
    {
        "task": Choice(("z-interval", "t-interval", "t-test")),
        "data": Table({"seed": Integer(0, 2**32 - 1), "size": Integer(3, 60),
                       "mean": Number(-1e6, 1e6), "sd": Number(0, 1e6, open=True)},
                      required=("seed", "size")),
        "sigma": Number(0, 1e6, open=True),
        "level": Number(0, 1, open=True),
        "mu0": Number(-1e6, 1e6),
    },
    required=("task", "data"),
)
