"""The declared schema of every table scsim writes: types, units, descriptions.

One :class:`Schema` per table, so a table has the same column types in every
file whatever the data (an empty seller table of a town without sellers
included), and a reader needs nothing but the file to know what a column
means: each Parquet field carries its ``unit`` and ``description`` (and the
labels of a category) in its metadata, and the file names its table in the
schema metadata (``scsim.table``, ``scsim.schema``).

The conventions:

- counts are ``int64`` (a daily count is a whole number; a count that is an
  expected value, such as ``feed_items_seen``, is ``float64`` and says so in
  its unit);
- codes are labelled categories (``kind`` is ``tolerant`` / ``muter`` /
  ``blocker``, not 0 / 1 / 2), Arrow dictionaries that pandas reads as a
  ``Categorical`` and DuckDB as ``VARCHAR``;
- ``person`` is a string in every table (the graph's label as text), so the
  seller and people tables join on it in any tool (``person_id``, the
  0-based row of the person, is ``int64`` in both);
- an undefined ratio or mean (0 / 0: no ads seen, no orders, no resellers)
  is ``NaN``, never 0, in every table: the daily metrics (``conversion``,
  ``ad_share_of_feed``, ``order_value_mean``, ``share_resellers_losing``,
  ``share_resellers_losing_with_stock``,
  ``buyer_trust_mean``, ``mean_trust_merchants``) and a sweep's ``runs``.

Tables: :data:`METRICS` (one row per day), :data:`SELLERS` (one row per
reseller and merchant; a sweep's ``agents`` table), :data:`PEOPLE` (one row
per person), and a sweep's ``runs`` table (one row per run) built by
:func:`runs_schema` from :data:`RUN_OUTPUTS`. A sweep prefixes each table
with :data:`SWEEP_KEYS` and its swept parameters (:func:`param_field`).

Use :meth:`Schema.apply` to give a DataFrame the declared types (it raises,
naming the column, for a missing or undeclared column, a fractional count or
an unknown category label), :meth:`Schema.write` (or :func:`write_parquet`)
to write it as Parquet atomically and byte-reproducibly, and
:meth:`Schema.conform` to give a frame read back the declared pandas dtypes.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.metrics import METRICS as METRIC_DESCRIPTIONS

__all__ = [
    "Field",
    "Schema",
    "SchemaError",
    "METRICS",
    "SELLERS",
    "PEOPLE",
    "SWEEP_KEYS",
    "RUN_OUTPUTS",
    "METRIC_FLOWS",
    "STRATEGIES",
    "TABLES",
    "param_field",
    "runs_schema",
    "write_parquet",
    "to_parquet_bytes",
    "apply_schema",
]

#: version of the declarations below; written into every file (``scsim.schema``)
VERSION = "1"

TYPES = ("int64", "float64", "bool", "string", "category")
_ARROW = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
          "string": pa.string(), "category": pa.dictionary(pa.int32(), pa.string())}


class SchemaError(ValueError):
    """A DataFrame that does not fit its declared schema (the column is named)."""


@dataclass(frozen=True)
class Field:
    """One declared column.

    Attributes
    ----------
    name : str
    type : str
        ``int64``, ``float64``, ``bool``, ``string`` or ``category``.
    unit : str
        Unit of the values (``RMB``, ``people``, ``share`` ...; ``""`` for labels).
    description : str
        One line: what the column holds.
    categories : tuple of str
        The labels of a ``category`` column, in their order.
    """

    name: str
    type: str
    unit: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"field {self.name!r}: type {self.type!r} is not one of {TYPES}")
        if (self.type == "category") != bool(self.categories):
            raise ValueError(f"field {self.name!r}: categories go with type 'category' only")

    def arrow(self) -> pa.Field:
        """The Arrow field, with ``unit``, ``description`` (and ``categories``) metadata."""
        meta = {"unit": self.unit, "description": self.description}
        if self.categories:
            meta["categories"] = json.dumps(list(self.categories))
        return pa.field(self.name, _ARROW[self.type], nullable=True, metadata=meta)


@dataclass(frozen=True)
class Schema:
    """A table's declared columns, in order.

    Attributes
    ----------
    name : str
        Table name (``metrics``, ``sellers``, ``people``, ``runs``).
    description : str
        What one row is.
    fields : tuple of Field
    """

    name: str
    description: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"schema {self.name!r}: columns declared twice: {dup}")

    @property
    def names(self) -> list[str]:
        """Column names, in order."""
        return [f.name for f in self.fields]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{name!r} is not a column of the {self.name} table")

    def with_fields(self, before: Iterable[Field] = (), after: Iterable[Field] = (),
                    name: str | None = None) -> Schema:
        """This schema with extra columns before and after its own."""
        return replace(self, name=name or self.name,
                       fields=(*before, *self.fields, *after))

    def arrow(self) -> pa.Schema:
        """The Arrow schema, with the field metadata and ``scsim.table`` / ``scsim.schema``."""
        return pa.schema([f.arrow() for f in self.fields], metadata={
            "scsim.table": self.name, "scsim.schema": VERSION,
            "description": self.description})

    def describe(self) -> pd.DataFrame:
        """The declarations as a table: ``column, type, unit, description``."""
        return pd.DataFrame([{"column": f.name, "type": f.type, "unit": f.unit,
                              "description": f.description
                              + (f" ({', '.join(f.categories)})" if f.categories else "")}
                             for f in self.fields])

    # ------------------------------------------------------------------ frames
    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with exactly the declared columns, in order, of the declared types.

        Raises
        ------
        SchemaError
            For a missing or undeclared column, a count that is not a whole
            number (or is missing), a value that does not convert, or a label
            not among a category's labels.
        """
        missing = [n for n in self.names if n not in df.columns]
        extra = [c for c in df.columns if c not in self]
        if missing or extra:
            raise SchemaError(
                f"{self.name} table: " + "; ".join(
                    part for part in (f"missing columns {missing}" if missing else "",
                                      f"undeclared columns {extra} (declare them in "
                                      "sim/schema.py)" if extra else "") if part))
        out = {f.name: _convert(df[f.name], f, self.name) for f in self.fields}
        return pd.DataFrame(out, index=pd.RangeIndex(len(df)))

    def to_arrow(self, df: pd.DataFrame) -> pa.Table:
        """The Arrow table of ``df`` with this schema (its metadata included)."""
        frame = self.apply(df)
        table = pa.Table.from_pandas(frame, schema=self.arrow().remove_metadata(),
                                     preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta.update({k.encode(): v.encode() for k, v in {
            "scsim.table": self.name, "scsim.schema": VERSION,
            "description": self.description}.items()})
        table = table.replace_schema_metadata(meta)
        # from_pandas keeps the field metadata of the schema it was given; make sure
        return pa.Table.from_arrays(table.columns, schema=pa.schema(
            [f.arrow() for f in self.fields], metadata=meta))

    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """A frame read back, with the declared pandas dtypes on the declared columns.

        Categories get all their declared labels (in order) even when a file
        holds only some; other columns are left as read.
        """
        out = df.copy()
        for f in self.fields:
            if f.name not in out.columns:
                continue
            s = out[f.name]
            if f.type == "category":
                cats = list(f.categories)
                seen = [v for v in pd.unique(s.dropna().astype(str)) if v not in cats]
                out[f.name] = pd.Categorical(s.astype(object).where(s.notna(), None),
                                             categories=cats + seen)
            elif f.type == "int64" and s.notna().all() and not pd.api.types.is_integer_dtype(s):
                out[f.name] = s.astype("int64")
        return out

    def write(self, df: pd.DataFrame, path: str | Path) -> Path:
        """Write ``df`` as Parquet with this schema, atomically (see :func:`write_parquet`)."""
        return write_parquet(df, path, self)

    def to_bytes(self, df: pd.DataFrame) -> bytes:
        """The Parquet file of ``df`` with this schema, as bytes."""
        return to_parquet_bytes(df, self)


def _convert(s: pd.Series, f: Field, table: str) -> Any:
    where = f"{table}.{f.name}"
    if f.type == "int64":
        if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
            return s.to_numpy().astype(np.int64)
        try:
            a = s.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{where}: declared int64, got {s.dtype} ({exc})") from None
        bad = ~np.isfinite(a) | (a != np.round(a))
        if bad.any():
            raise SchemaError(f"{where}: declared a count (int64) but holds "
                              f"{a[bad][:3].tolist()} at {int(bad.sum())} row(s)")
        return a.astype(np.int64)
    if f.type == "float64":
        try:
            return s.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{where}: declared float64, got {s.dtype} ({exc})") from None
    if f.type == "bool":
        if s.isna().any():
            raise SchemaError(f"{where}: declared bool but has missing values")
        return s.to_numpy().astype(bool)
    if f.type == "category" and pd.api.types.is_integer_dtype(s):  # codes -> labels
        codes = s.to_numpy().astype(np.int64)
        bad = (codes < 0) | (codes >= len(f.categories))
        if bad.any():
            raise SchemaError(f"{where}: codes {sorted(set(codes[bad].tolist()))[:5]} are not "
                              f"codes of its categories {list(f.categories)}")
        return pd.Categorical.from_codes(codes, categories=list(f.categories))
    obj = s.astype(object)
    text = [None if _missing(v) else str(v) for v in obj]
    if f.type == "string":
        return pd.Series(text, dtype="str").array
    unknown = sorted({v for v in text if v is not None and v not in f.categories})
    if unknown:
        raise SchemaError(f"{where}: labels {unknown} are not among its categories "
                          f"{list(f.categories)}")
    return pd.Categorical(text, categories=list(f.categories))


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def apply_schema(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """``schema.apply(df)``: the declared columns and types (see :meth:`Schema.apply`)."""
    return schema.apply(df)


def to_parquet_bytes(df: pd.DataFrame, schema: Schema) -> bytes:
    """``df`` as a Parquet file with ``schema`` (zstd, no timestamps: same frame, same bytes)."""
    sink = io.BytesIO()
    pq.write_table(schema.to_arrow(df), sink, compression="zstd")
    return sink.getvalue()


def write_parquet(df: pd.DataFrame, path: str | Path, schema: Schema) -> Path:
    """Write ``df`` with ``schema`` to ``path`` atomically (temporary sibling, then rename).

    The temporary file is ``.NAME.PID.tmp`` beside ``path``; identical frames
    give identical bytes.
    """
    path = Path(path)
    data = to_parquet_bytes(df, schema)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# ====================================================================== declarations
def _f(name: str, type_: str, unit: str, description: str,
       categories: tuple[str, ...] = ()) -> Field:
    return Field(name, type_, unit, description, categories)


#: per-day metric -> (type, unit, flow): a flow is summed over a run, a state taken on the last day
_METRIC_TYPES: dict[str, tuple[str, str, bool]] = {
    "ads_posted": ("int64", "ads", True),
    "openers": ("int64", "people", True),
    "ads_seen": ("int64", "ads", True),
    "ads_seen_moments": ("int64", "ads", True),
    "ads_seen_group": ("int64", "ads", True),
    "ads_seen_direct": ("int64", "ads", True),
    "feed_items_seen": ("float64", "items (expected)", True),
    "ad_share_of_feed": ("float64", "share", False),
    "ordinary_seen": ("float64", "posts (expected)", True),
    "ordinary_crowded_out": ("float64", "posts (expected)", True),
    "mutes": ("int64", "ties", True),
    "blocks": ("int64", "friendships", True),
    "blocks_resellers": ("int64", "friendships", True),
    "blocks_others": ("int64", "friendships", True),
    "escalations": ("int64", "friendships", True),
    "reports": ("int64", "reports", True),
    "complaints": ("int64", "reports", True),
    "bans": ("int64", "accounts", True),
    "purchases": ("int64", "orders", True),
    "units_sold": ("int64", "items", True),
    "payment_failures": ("int64", "purchase intents", True),
    "conversion": ("float64", "orders/ad", False),
    "gmv": ("float64", "RMB", True),
    "gmv_moments": ("float64", "RMB", True),
    "gmv_groups": ("float64", "RMB", True),
    "gmv_push": ("float64", "RMB", True),
    "gmv_resellers": ("float64", "RMB", True),
    "order_value_mean": ("float64", "RMB/order", False),
    "buyer_trust_mean": ("float64", "trust (0-1)", False),
    "mean_trust_resellers": ("float64", "trust (0-1)", False),
    "mean_trust_friends": ("float64", "trust (0-1)", False),
    "mean_trust_merchants": ("float64", "trust (0-1)", False),
    "counterfeits_delivered": ("int64", "items", True),
    "word_of_mouth_warnings": ("int64", "people warned", True),
    "recommendations": ("int64", "people told", True),
    "obligation_intents": ("int64", "intents", True),
    "resellers_active": ("int64", "resellers", False),
    "resellers_quit": ("int64", "resellers", False),
    "resellers_banned": ("int64", "resellers", False),
    "share_resellers_losing": ("float64", "share", False),
    "share_resellers_losing_with_stock": ("float64", "share", False),
    "unsold_inventory": ("int64", "items", False),
    "recruits": ("int64", "resellers", True),
    "quits": ("int64", "resellers", True),
    "wholesale_units": ("int64", "items", True),
    "pushes_sent": ("int64", "pushes", True),
    "push_opens": ("int64", "pushes", True),
    "unfollows": ("int64", "followers", True),
    "followers": ("int64", "follows", False),
    "largest_component_share": ("float64", "share", False),
    "mean_degree": ("float64", "friends/person", False),
    "flooder_exposure": ("float64", "share", False),
    "flooders_per_feed_median": ("float64", "flooders", False),
}


def _metric_field(name: str) -> Field:
    type_, unit, _ = _METRIC_TYPES.get(name, ("float64", "", False))
    return _f(name, type_, unit, METRIC_DESCRIPTIONS[name])


#: the per-day metrics that are flows (summed over a run), in sim.metrics order
METRIC_FLOWS: tuple[str, ...] = tuple(n for n in METRIC_DESCRIPTIONS
                                      if _METRIC_TYPES.get(n, ("", "", False))[2])

METRICS = Schema(
    "metrics", "one row per simulated day (sim.metrics.METRICS)",
    (_f("day", "int64", "day", "day of the run (0-based)"),
     *(_metric_field(n) for n in METRIC_DESCRIPTIONS)))

SELLER_TYPES = ("reseller", "merchant")
SELLER_STATUS = ("active", "quit", "banned", "closed")  # (closed: a removed merchant)
PERSON_KINDS = ("tolerant", "muter", "blocker")
PERSON_ROLES = ("person", "reseller")

SELLERS = Schema("sellers", "one row per reseller and merchant, at the end of the run", (
    _f("seller_id", "string", "", "seller id: r<slot> for a reseller, m<index> for a merchant"),
    _f("unique_id", "int64", "", "the Mesa agent's unique_id"),
    _f("type", "category", "", "reseller or merchant (public account)", SELLER_TYPES),
    _f("person", "string", "", "the reseller's person (graph label as text); '' for a merchant"),
    _f("person_id", "int64", "", "the reseller's person (0-based row); -1 for a merchant"),
    _f("strategy", "string", "", "posting strategy (flooder, mixer, curated, a custom "
                                 "strategy's name; public_account for a merchant)"),
    _f("level", "int64", "level", "distance from the merchant in the recruitment chain "
                                  "(1 = recruited by a merchant; 0 for a merchant)"),
    _f("upstream", "string", "", "seller id of the supplier ('' for none)"),
    _f("status", "category", "", "status at the end of the run", SELLER_STATUS),
    _f("joined_day", "int64", "day", "day the seller started"),
    _f("left_day", "int64", "day", "day the seller quit or was banned; -1 if still active"),
    _f("quality", "float64", "probability", "probability an item sold is genuine"),
    _f("price", "float64", "RMB/item", "retail price"),
    _f("unit_cost", "float64", "RMB/item", "wholesale cost of an item"),
    _f("ads_posted", "int64", "ads", "ads posted (pushes sent, for a merchant)"),
    _f("orders", "int64", "orders", "orders received"),
    _f("units_sold", "int64", "items", "items sold to people"),
    _f("units_wholesaled", "int64", "items", "items sold to downstream resellers"),
    _f("revenue", "float64", "RMB", "sales revenue"),
    _f("costs", "float64", "RMB", "wholesale purchases plus fixed costs"),
    _f("profit", "float64", "RMB", "cash at the end of the run (revenue - costs)"),
    _f("inventory", "int64", "items", "items in stock at the end"),
    _f("counterfeits_sold", "int64", "items", "counterfeit items delivered"),
    _f("reports", "int64", "reports", "reports received"),
    _f("mutes_received", "int64", "ties", "friends who muted the seller"),
    _f("friends_lost", "int64", "friendships", "friendships ended toward the seller "
                                               "(followers lost, for a merchant)"),
    _f("recruits", "int64", "resellers", "resellers recruited"),
    _f("stock_value", "float64", "RMB", "unsold stock at the end valued at unit cost "
                                        "(inventory x unit_cost; 0 for a merchant)"),
    _f("profit_with_stock", "float64", "RMB", "profit with unsold stock valued at cost "
                                              "(profit + stock_value)"),
    _f("patience", "float64", "days", "days in a row of losses (profit_with_stock < 0) the "
                                      "reseller tolerates before quitting; NaN for a merchant"),
    _f("account_age", "int64", "days", "age of the seller's account on its last active day "
                                      "(F12; 0 for a merchant)"),
))

PEOPLE = Schema("people", "one row per person, at the end of the run", (
    _f("person", "string", "", "the person's graph label, as text"),
    _f("person_id", "int64", "", "the person's row (0-based)"),
    _f("kind", "category", "", "tolerance type (F8)", PERSON_KINDS),
    _f("role", "category", "", "role at the end of the run", PERSON_ROLES),
    _f("degree_start", "int64", "friends", "friends at the start"),
    _f("friends_lost", "int64", "friendships", "friendships this person lost (either side)"),
    _f("purchases", "int64", "orders", "orders placed"),
    _f("spent", "float64", "RMB", "money spent"),
    _f("counterfeits", "int64", "items", "counterfeit items received"),
    _f("lost_to_counterfeits", "float64", "RMB", "money paid for counterfeits"),
))

#: the columns every table of a sweep starts with
SWEEP_KEYS: tuple[Field, ...] = (
    _f("run_id", "string", "", "stable id of the run (a hash of its overrides and seed)"),
    _f("point", "int64", "", "design point (0-based, the order of sweep.json)"),
    _f("replicate", "int64", "", "replicate of the design point (0-based)"),
    _f("seed", "int64", "", "root seed of the run"),
)

STRATEGIES = ("flooder", "mixer", "curated")


def _run_output_fields() -> tuple[Field, ...]:
    out: dict[str, Field] = {}
    for n in METRIC_DESCRIPTIONS:
        type_, unit, flow = _METRIC_TYPES.get(n, ("float64", "", False))
        what = "summed over the run" if flow else "on the last day"
        out[n] = _f(n, type_, unit, f"{METRIC_DESCRIPTIONS[n]}, {what}")
    derived = [
        ("days", "int64", "days", "days simulated"),
        ("conversion", "float64", "orders/ad", "resellers' orders per ad seen over the run"),
        ("ad_share_of_feed", "float64", "share", "ads read in Moments / feed items read, "
                                                 "over the run"),
        ("share_blocks_resellers", "float64", "share", "share of ended friendships that hit "
                                                       "a reseller (F7)"),
        ("gmv_per_ad_moments", "float64", "RMB/ad", "Moments GMV per Moments ad read (F1)"),
        ("gmv_per_ad_groups", "float64", "RMB/ad", "group and direct GMV per group or direct "
                                                   "ad seen (F1); NaN without such ads"),
        ("gmv_per_push", "float64", "RMB/push", "push GMV per push delivered; NaN without "
                                                "pushes"),
        ("gmv_per_push_open", "float64", "RMB/open", "push GMV per push opened"),
        ("push_open_rate", "float64", "share", "pushes opened / pushes delivered"),
        ("moments_read_rate", "float64", "share", "estimated share of Moments ads delivered "
                                                  "that are read (F9)"),
        ("order_value_mean", "float64", "RMB/order", "mean reseller order value over the "
                                                     "days with orders; NaN without orders"),
        ("trust_order_value_corr", "float64", "correlation", "correlation over days of buyer "
                                                             "trust and order value"),
        ("resellers_ever", "int64", "resellers", "resellers who ever sold"),
        ("share_resellers_lost_money", "float64", "share", "share of resellers with negative "
                                                           "profit at the end; NaN without "
                                                           "resellers"),
        ("merchant_revenue", "float64", "RMB", "merchants' revenue"),
        ("merchant_profit", "float64", "RMB", "merchants' profit"),
        ("seconds", "float64", "s", "wall time of the run"),
    ]
    for tag, span in (("m1", "days 0-29"), ("m3", "the last 30 days")):
        derived += [
            (f"conversion_{tag}", "float64", "orders/ad", f"conversion over {span}"),
            (f"trust_resellers_{tag}", "float64", "trust (0-1)",
             f"mean trust toward resellers over {span}"),
            (f"gmv_resellers_{tag}", "float64", "RMB", f"resellers' GMV over {span}"),
            (f"recruits_{tag}", "int64", "resellers", f"recruits over {span}"),
        ]
    for s in STRATEGIES:
        derived += [
            (f"revenue_{s}", "float64", "RMB", f"mean revenue of initial {s} resellers "
                                               "(NaN if none)"),
            (f"profit_{s}", "float64", "RMB", f"mean profit of initial {s} resellers"),
            (f"units_{s}", "float64", "items", f"mean items sold by initial {s} resellers"),
            (f"friends_lost_{s}", "float64", "friendships",
             f"mean friendships lost by initial {s} resellers"),
        ]
    for name, type_, unit, desc in derived:
        out[name] = _f(name, type_, unit, desc)
    return tuple(out.values())


#: the scalar outputs of a run (experiments.sweep.run_outputs), one column each of ``runs``
RUN_OUTPUTS = Schema("runs", "one row per run: its parameters and scalar outputs",
                     _run_output_fields())

TABLES: dict[str, Schema] = {"metrics": METRICS, "sellers": SELLERS, "people": PEOPLE,
                             "runs": RUN_OUTPUTS}


def param_field(key: str, type_: str) -> Field:
    """The column of a swept parameter ``section.name`` (or ``variant``), unit from sim.params."""
    if key == "variant":
        return _f("variant", type_, "", "variant (experiment.variants)")
    from sim.params import SECTIONS

    section, _, name = key.partition(".")
    cls = SECTIONS.get(section)
    info = cls.model_fields.get(name) if cls is not None else None
    extra = (info.json_schema_extra or {}) if info is not None else {}
    unit = str(extra.get("unit", "")) if isinstance(extra, Mapping) else ""
    desc = (info.description or "") if info is not None else ""
    return _f(key, type_, unit, f"swept parameter: {desc}".rstrip(": "))


def runs_schema(params: Iterable[Field] = ()) -> Schema:
    """The ``runs`` table of a sweep: keys, swept parameters, outputs."""
    return RUN_OUTPUTS.with_fields(before=(*SWEEP_KEYS, *params))
