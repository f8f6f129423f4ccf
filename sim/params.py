"""Every parameter of the model, declared once: default, unit, valid range, source.

A scenario is a :class:`Scenario`: one pydantic model per section, each field
built with :func:`param`, which records the unit and the source (a seed fact
such as ``F8``, a literature entry such as ``LIT U4``, both described in
``docs/sources.md``, or ``assumption``) in the JSON schema. The ODD document's parameter table, the
sliders of the app and the sweep validator all read this one declaration.

Validation is strict: unknown keys, wrong types and out-of-range values are
rejected before a run starts, with the field, the value and the rule named.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Scenario",
    "RunParams",
    "GraphParams",
    "UserParams",
    "TrustParams",
    "PurchaseParams",
    "ResellerParams",
    "StrategyParams",
    "MerchantParams",
    "GroupParams",
    "PlatformParams",
    "param",
    "parameter_table",
]


#: Source text of defaults fitted by ``scsim calibrate`` (sim/data/calibration.toml).
CAL = "calibrated, docs/calibration.md"


def param(
    default: Any,
    unit: str,
    source: str,
    doc: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    uncertain: tuple[float, float] | None = None,
) -> Any:
    """Declare one parameter.

    Parameters
    ----------
    default : Any
        Default value.
    unit : str
        Unit, e.g. ``"probability/day"``, ``"RNG"``, ``"people"``.
    source : str
        Where the default comes from: a seed fact (``"F8"``) or a literature
        entry (``"LIT U4"``), both described in ``docs/sources.md``, or
        ``"assumption"``.
    doc : str
        One-line meaning.
    ge, le, gt, lt : float, optional
        Valid range, enforced by pydantic.
    uncertain : tuple of float, optional
        Plausible range for calibration and sensitivity analysis, when the
        default is a guess.

    Returns
    -------
    pydantic.fields.FieldInfo
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if uncertain is not None:
        extra["uncertain"] = list(uncertain)
    return Field(
        default, description=doc, ge=ge, le=le, gt=gt, lt=lt, json_schema_extra=extra
    )


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True,
                              allow_inf_nan=False)


class RunParams(_Section):
    """How long, with which seed, on which array backend."""

    seed: int = param(20141010, "integer", "assumption", "root seed of every random stream",
                      ge=0, le=2**63 - 1)
    days: int = param(120, "days", "assumption", "number of simulated days", ge=1, le=3650)
    backend: Literal["numpy", "cupy", "strict"] = param(
        "numpy", "name", "assumption",
        "array library for the people and tie arrays: numpy; cupy (a CUDA GPU); strict "
        "(NumPy arrays that behave like a GPU's, to test the device code path)")
    lcc_every_days: int = param(
        10, "days", "assumption",
        "recompute the largest connected component every this many days (cost O(ties))",
        ge=1, le=3650)
    check: bool = param(
        False, "flag", "assumption",
        "recompute all derived state from the primary arrays every day and stop with an "
        "error naming any difference (slow; for tests and debugging)")


class GraphParams(_Section):
    """The friend graph (ignored when a networkx graph is passed to the model)."""

    generator: Literal["wechat_like", "watts_strogatz", "powerlaw_cluster", "communities",
                       "edgelist"] = param(
        "wechat_like", "name", "LIT 4.2", "friend-graph generator")
    n_people: int = param(10_000, "people", "assumption", "number of people (graph nodes)",
                          ge=2, le=200_000_000)
    mean_degree: float = param(
        100.0, "friends", "LIT 4.1 (WeChat mean 128), F5 (about 200 kept in mind)",
        "mean number of friends", gt=0, le=2000)
    clustering: float = param(0.5, "share", "LIT 4.2 (ego-Facebook 0.61)",
                              "target average clustering of the wechat_like generator "
                              "(tops out near 0.72)", ge=0, le=1)
    rewire: float = param(0.1, "probability", "assumption",
                          "Watts-Strogatz rewiring probability", ge=0, le=1)
    n_communities: int = param(50, "communities", "assumption",
                               "number of communities (communities generator)", ge=1,
                               le=1_000_000)
    p_within: float = param(0.8, "share", "assumption",
                            "share of ties inside a community (communities generator)",
                            ge=0, le=1)
    edgelist_path: str = param("", "path", "user input",
                               "edge-list file (edgelist generator): CSV/TSV, whitespace "
                               "text (SNAP), GraphML or GML")
    format: Literal["auto", "csv", "tsv", "text", "graphml", "gml"] = param(
        "auto", "name", "user input",
        "format of graph.edgelist_path: auto (by the file's extension: .csv, .tsv, .graphml, "
        ".gml, anything else whitespace text), or csv, tsv, text, graphml, gml")
    require_connected: bool = param(
        False, "flag", "assumption",
        "reject a friend graph that is not one connected component (isolated people included)")
    strong_tie_share: float = param(0.3, "share", "F5", "share of ties that are strong ties",
                                    ge=0, le=1)

    @model_validator(mode="after")
    def _edgelist_needs_path(self) -> GraphParams:
        if self.generator == "edgelist" and not self.edgelist_path:
            raise ValueError("graph.edgelist_path = '' must name a file when "
                             "graph.generator = 'edgelist'")
        if self.edgelist_path and self.generator != "edgelist":
            path = self.edgelist_path
            shown = repr(path if len(path) <= 80 else path[:80] + "...")
            raise ValueError(f"graph.edgelist_path = {shown} must come with graph.generator = "
                             f"'edgelist': graph.generator = {self.generator!r} generates the "
                             "town and would ignore the file")
        return self


class UserParams(_Section):
    """Ordinary people: activity, attention, tolerance, needs, budget."""

    p_open_mean: float = param(
        0.85, "probability/day", "LIT 4.1 (DAU/MAU 0.88; F6 guessed 0.5)",
        "mean daily probability of opening Moments", gt=0, le=1, uncertain=(0.5, 0.95))
    p_open_concentration: float = param(
        4.0, "beta a+b", "assumption", "Beta concentration of the daily-open probability",
        gt=0, le=1000)
    attention_mean: float = param(
        25.0, "items/visit", "assumption",
        "mean number of feed items read per visit",
        gt=0, le=10_000, uncertain=(10, 60))
    ordinary_posts_per_day: float = param(
        0.3, "posts/day", "LIT U14 (about 20% like to post)",
        "mean ordinary (non-ad) posts per person per day", ge=0, le=50)
    share_tolerant: float = param(0.19, "share", "F8, LIT U4 (19% ignore)",
                                  "share of people of the tolerant type", ge=0, le=1)
    share_muter: float = param(0.38, "share", "F8, LIT U4 (38% hide)",
                               "share of people of the muting type", ge=0, le=1)
    share_blocker: float = param(0.43, "share", "F8, LIT U4 (43% exit)",
                                 "share of people of the blocking type", ge=0, le=1)
    mute_threshold: float = param(
        5.231, "annoyance", f"{CAL} (prior 8: assumption)",
        "annoyance at which a muter mutes the poster", gt=0, le=1e6, uncertain=(2, 20))
    block_threshold: float = param(
        12.2, "annoyance", f"{CAL} (prior 14: assumption)",
        "annoyance at which a blocker blocks or unfriends", gt=0, le=1e6,
        uncertain=(3, 30))
    tolerant_factor: float = param(
        3.0, "multiplier", "F8 ('生活不易')",
        "tolerant people's thresholds are this many times higher", ge=1, le=100)
    escalation_factor: float = param(
        1.939, "multiplier",
        f"{CAL} (prior 2: assumption, the model's specification, step 4; F7, F8)",
        "a muter blocks a seller it muted once annoyance reaches this multiple of its mute "
        "threshold (escalation)", ge=1, le=100, uncertain=(1.2, 4.0))
    report_threshold: float = param(
        12.0, "annoyance", "F12 (users report over-marketing)",
        "annoyance at which a person may report the poster", gt=0, le=1e6,
        uncertain=(5, 40))
    p_report: float = param(0.1, "probability", "F12, assumption",
                            "probability of reporting once over the report threshold",
                            ge=0, le=1, uncertain=(0.02, 0.3))
    threshold_spread: float = param(0.3, "log-sd", "LIT U7 (heterogeneous response)",
                                    "lognormal spread of individual thresholds", ge=0, le=3)
    p_background_unfriend: float = param(
        0.0005, "probability/day",
        "LIT U1 (43% unfollow in 51 days on Twitter; lower on WeChat)",
        "chance a person unfriends a random friend for reasons other than ads", ge=0, le=1,
        uncertain=(0.0001, 0.005))
    annoyance_per_ad: float = param(1.0, "annoyance/ad", "assumption",
                                    "annoyance added by one unwanted ad seen", ge=0, le=1000)
    annoyance_per_direct: float = param(
        1.978, "annoyance/ad",
        f"{CAL} (prior 1: assumption, LIT U15)",
        "annoyance added by one ad that reaches a person who muted the seller (a group or "
        "direct message); 1 = as much as any ad", ge=0, le=1000, uncertain=(1.0, 3.0))
    p_report_counterfeit: float = param(
        0.1, "probability/order", "assumption, F12, LIT U13 (complaints about counterfeits)",
        "probability a buyer who received a counterfeit reports the seller", ge=0, le=1)
    annoyance_decay: float = param(
        0.2228, "share/day", f"{CAL} (prior 0.15: LIT U9, annoyance decays fast)",
        "share of annoyance that fades each day", ge=0, le=1, uncertain=(0.05, 0.4))
    n_categories: int = param(5, "categories", "assumption", "number of product categories",
                              ge=1, le=1000)
    need_mean: float = param(0.3, "probability", "assumption",
                             "mean need for a product category", ge=0, le=1)
    budget_per_day: float = param(20.0, "RMB/day", "assumption",
                                  "daily discretionary budget accrued", ge=0, le=1e6)
    budget_cap_days: float = param(30.0, "days", "assumption",
                                   "budget saved up to this many days' accrual", ge=1,
                                   le=3650)


class TrustParams(_Section):
    """Trust on directed ties."""

    trust_strong: float = param(0.7, "trust", "F5 (strong ties)", "initial trust, strong tie",
                                ge=0, le=1)
    trust_weak: float = param(0.4, "trust", "F5", "initial trust, weak tie", ge=0, le=1)
    gain_genuine: float = param(0.1, "share of gap", "F15",
                                "merchant follower's trust gain toward 1 after a genuine item",
                                ge=0, le=1)
    loss_counterfeit: float = param(0.5, "share", "F16",
                                    "share of a merchant follower's trust lost after a "
                                    "counterfeit", ge=0, le=1)
    gain_lifestyle: float = param(
        0.02, "evidence/post", "assumption (F10)",
        "good evidence of one lifestyle post read, toward a reseller (saturates at "
        "lifestyle_cap a day)", ge=0, le=10, uncertain=(0.0, 0.1))
    p_word_of_mouth: float = param(0.3, "probability", "F16",
                                   "chance a cheated buyer warns each common friend",
                                   ge=0, le=1)
    loss_word_of_mouth: float = param(
        1.25, "evidence/warning", "F16 (a warning from a fully trusted buyer takes a fifth)",
        "bad evidence of a warning about a reseller, times the friend's trust in the buyer "
        "(before negativity)", ge=0, le=100, uncertain=(0.3, 3.0))
    # trust toward resellers as evidence learned and forgotten (docs/ODD.md, steps 3 and 5)
    prior_weight: float = param(
        10.0, "pseudo-observations", "assumption (LIT U16: Beta reputation)",
        "weight of the starting trust: trust = (w t0 + good) / (w + good + bad)",
        gt=0, le=1000, uncertain=(3.0, 30.0))
    forgetting: float = param(
        0.98, "factor/day", "assumption (LIT U16: forgetting factor)",
        "evidence for and against a reseller is multiplied by this once a day",
        ge=0, le=1, uncertain=(0.9, 0.999))
    negativity: float = param(
        2.0, "multiplier", "assumption (LIT U17: asymmetry of trust)",
        "bad evidence counts this many times its amount", ge=1, le=20, uncertain=(1.0, 5.0))
    bad_per_ad: float = param(
        0.01, "evidence/ad", "assumption (LIT U18: persuasion knowledge)",
        "bad evidence from one ad read, on need", ge=0, le=10, uncertain=(0.0, 0.05))
    off_need_weight: float = param(
        1.0, "multiplier", "assumption (LIT U18)",
        "an ad read adds (1 + this x (1 - need)) times bad_per_ad", ge=0, le=100,
        uncertain=(0.0, 3.0))
    repetition_weight: float = param(
        0.1, "multiplier/ad", "assumption (LIT U7, U18)",
        "k ads of one seller read the same day each count (1 + this x (k - 1)) times",
        ge=0, le=10, uncertain=(0.0, 0.5))
    lifestyle_cap: float = param(
        0.05, "evidence/day", "assumption (F10)",
        "a day's lifestyle evidence is cap (1 - exp(-k gain_lifestyle / cap))", gt=0, le=100,
        uncertain=(0.01, 0.2))
    good_genuine: float = param(
        1.0, "evidence/order", "F15 (about a tenth of the gap to 1 at the start)",
        "good evidence of an all-genuine order", ge=0, le=100, uncertain=(0.3, 3.0))
    bad_counterfeit: float = param(
        5.0, "evidence/order", "F16 (halves the starting trust)",
        "bad evidence of an order with a counterfeit (before negativity)", ge=0, le=100,
        uncertain=(1.0, 10.0))
    p_recommend: float = param(
        0.1, "probability", "assumption (LIT SF9: friends' recommendations)",
        "chance a satisfied buyer recommends the seller to each common friend",
        ge=0, le=1, uncertain=(0.0, 0.3))
    good_recommend: float = param(
        0.5, "evidence/recommendation", "assumption (LIT SF9)",
        "good evidence of a recommendation, times the friend's trust in the buyer",
        ge=0, le=100, uncertain=(0.1, 2.0))


class PurchaseParams(_Section):
    """Conversion of an ad seen into an order."""

    p_buy_base: float = param(
        0.06, "probability/ad", "F14 (low conversion)",
        "purchase probability per ad at full trust and need, reference price",
        ge=0, le=1, uncertain=(0.005, 0.08))
    reference_price: float = param(100.0, "RMB", "assumption",
                                   "price at which the price factor is 1", gt=0, le=1e7)
    price_elasticity: float = param(1.0, "exponent", "assumption",
                                    "purchase probability scales as (ref/price)^e", ge=0, le=10)
    fatigue: float = param(0.15, "1/annoyance", "LIT U7, U8",
                           "purchase probability scales as exp(-fatigue * annoyance)", ge=0, le=100,
                           uncertain=(0.02, 0.5))
    p_payment_fail: float = param(0.1, "probability", "F17",
                                  "probability that a purchase intent fails at payment",
                                  ge=0, le=1)
    trust_value_slope: float = param(
        1.0, "items", "F15",
        "an order is for 1 + Poisson(slope * trust^2) items: mean order size rises with trust",
        ge=0, le=10)
    social_proof: float = param(
        0.2, "share/buyer", "assumption (F5: Moments shows likes to mutual friends only)",
        "purchase probability x (1 + this x min(mutual friends who bought, cap))", ge=0, le=10,
        uncertain=(0.0, 0.5))
    social_proof_cap: int = param(
        5, "buyers", "assumption", "most mutual friends' purchases that count", ge=0, le=1000)
    p_obligation: float = param(
        0.001, "probability/ad", "assumption (LIT U19: 作为朋友应该支持)",
        "chance an ad read on a strong tie leads to an order to support the friend, whatever "
        "the need", ge=0, le=1, uncertain=(0.0, 0.005))


class StrategyParams(_Section):
    """The three built-in posting strategies (F10, F19)."""

    flooder_ads_per_day: float = param(8.0, "ads/day", "F10 (刷屏王)",
                                       "ads a day of a feed-flooder", ge=0, le=200)
    mixer_ads_per_day: float = param(1.0, "ads/day", "F10",
                                     "ads a day of a lifestyle mixer", ge=0, le=200)
    mixer_lifestyle_per_day: float = param(1.5, "posts/day", "F10",
                                           "lifestyle posts a day of a lifestyle mixer",
                                           ge=0, le=200)
    curated_ads_per_day: float = param(0.5, "ads/day", "F19 (少而美)",
                                       "ads a day of a curated seller", ge=0, le=200)
    curated_lifestyle_per_day: float = param(0.5, "posts/day", "F19",
                                             "lifestyle posts a day of a curated seller",
                                             ge=0, le=200)
    curated_quality_bonus: float = param(0.15, "probability", "F19",
                                         "extra genuine probability of a curated seller",
                                         ge=0, le=1)
    curated_appeal: float = param(1.5, "multiplier", "F19",
                                  "appeal multiplier of a curated seller's few products",
                                  gt=0, le=10)


class ResellerParams(_Section):
    """Multi-level resellers (F4, F19, F21)."""

    initial_share: float = param(0.01, "share of people", "F4, F7",
                                 "share of people who start as level-1 resellers", ge=0, le=1)
    share_flooder: float = param(0.4, "share", "F10 ('one or two in every feed')",
                                 "share of initial resellers who flood", ge=0, le=1)
    share_mixer: float = param(0.3, "share", "F10", "share of lifestyle mixers", ge=0, le=1)
    share_curated: float = param(0.3, "share", "F19", "share of curated sellers", ge=0, le=1)
    counterfeit_share: float = param(0.3, "share of sellers", "F16",
                                     "share of resellers selling mostly counterfeits",
                                     ge=0, le=1)
    quality_genuine: float = param(0.95, "probability", "assumption",
                                   "genuine probability of an honest seller", ge=0, le=1)
    quality_counterfeit: float = param(0.2, "probability", "F16",
                                       "genuine probability of a counterfeit seller", ge=0, le=1)
    sell_price: float = param(100.0, "RMB", "assumption", "retail price of one item", gt=0,
                               le=1e7)
    level1_cost: float = param(50.0, "RMB", "LIT M6 (each level pays more)",
                               "wholesale price paid by a level-1 reseller", gt=0, le=1e7)
    markup_per_level: float = param(0.15, "share", "LIT M6",
                                    "each lower level pays this much more upstream", ge=0, le=5)
    starter_stock: int = param(10, "items", "F19 (stocked 10+ outfits)",
                               "items a new reseller must buy upstream", ge=0, le=100_000)
    restock_below: int = param(3, "items", "assumption", "restock when inventory falls below",
                               ge=0, le=100_000)
    restock_amount: int = param(10, "items", "F19 (buys 2-3 styles twice a month)",
                                "items bought per restock", ge=0, le=100_000)
    fixed_cost_per_day: float = param(2.0, "RMB/day", "assumption",
                                      "daily cost of running a reseller business", ge=0,
                                      le=1e7)
    p_pitch: float = param(0.01845, "probability/day", f"{CAL} (prior 0.1: F4)",
                           "probability a reseller pitches 'become my agent' to a friend today",
                           ge=0, le=1, uncertain=(0.01, 0.5))
    p_accept: float = param(0.1143, "probability", f"{CAL} (prior 0.05: F4, LIT M4)",
                            "probability a pitched friend joins, at full trust",
                            ge=0, le=1, uncertain=(0.005, 0.2))
    max_level: int = param(6, "levels", "LIT M6 (总代 to 区代)", "deepest reseller level",
                           ge=1, le=100)
    quit_after_loss_days: int = param(60, "days", "F19, LIT M2 (half quit a year)",
                                      "mean patience: days in a row with a cumulative loss "
                                      "(unsold stock at cost) before a reseller quits",
                                      ge=1, le=3650)
    patience_spread: float = param(0.5, "coefficient of variation", "assumption (LIT M2)",
                                   "spread of patience between resellers: each draws "
                                   "quit_after_loss_days x LogNormal with mean 1 and this "
                                   "CV (0: everyone waits exactly quit_after_loss_days)",
                                   ge=0, le=10, uncertain=(0.2, 1.5))
    min_order_level1: int = param(20, "items", "LIT M6 (each tier has a minimum order; "
                                  "amount assumption)",
                                  "least a level-1 reseller buys upstream in one purchase "
                                  "(starter stock or restock); 0: no minimum",
                                  ge=0, le=100_000, uncertain=(0, 100))
    min_order_per_level: float = param(0.7, "share", "LIT M6 (lower tiers buy in smaller; "
                                       "share assumption)",
                                       "each level's minimum order is this share of the "
                                       "level above's (rounded up to whole items)",
                                       ge=0, le=1, uncertain=(0.3, 1.0))
    seeding: Literal["random", "degree", "list"] = param(
        "random", "name", "assumption",
        "who starts as a reseller: random people, the highest-degree people, or "
        "resellers.seed_labels (the Python API also takes a function of the graph)")
    seed_labels: list[int | str] = param(
        [], "node labels", "user input",
        "the initial resellers when resellers.seeding = \"list\" (then initial_share is "
        "not read)")
    friends_median: float = param(
        300.0, "friends",
        "assumption (LIT 4.1: cap 5,000, marketing accounts; F10)",
        "median friend count of an initial reseller (lognormal); a reseller with fewer "
        "friends in a generated graph befriends random people up to it; 0: the graph's own",
        ge=0, le=1e6, uncertain=(50.0, 1000.0))
    friends_sigma: float = param(
        1.0, "log-sd", "assumption", "log-standard deviation of initial resellers' friend "
        "counts", ge=0, le=5)
    friends_cap: int = param(5000, "friends", "LIT 4.1 (WeChat's 5,000-friend cap)",
                             "most friends a reseller can have", ge=1, le=10_000_000)
    recruit_degree_bias: float = param(
        0.0, "exponent", "assumption (0: uniform, SF8)",
        "a pitched friend is drawn with weight (friends)^bias: 0 uniform, 1 by degree",
        ge=0, le=5)


    @field_validator("seed_labels", mode="before")
    @classmethod
    def _labels_are_ints_or_strings(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            bad = [x for x in value if isinstance(x, bool) or not isinstance(x, int | str)]
            if bad:
                raise ValueError(f"resellers.seed_labels = {list(value)!r}: a node label is an "
                                 f"int or a string, not {bad[0]!r} ({type(bad[0]).__name__})")
        return value

    @model_validator(mode="after")
    def _labels_need_list_seeding(self) -> ResellerParams:
        if self.seeding == "list" and not self.seed_labels:
            raise ValueError("resellers.seeding = 'list' needs resellers.seed_labels: the "
                             "node labels of the initial resellers, e.g. [3, 17, 42]")
        if self.seed_labels and self.seeding != "list":
            raise ValueError(f"resellers.seed_labels is given but resellers.seeding = "
                             f"{self.seeding!r}: set resellers.seeding = 'list' to use it")
        seen: set[Any] = set()
        twice = [x for x in self.seed_labels if x in seen or seen.add(x)]
        if twice:
            raise ValueError(f"resellers.seed_labels names {sorted(set(map(str, twice)))} "
                             "more than once; list each initial reseller once")
        return self


class MerchantParams(_Section):
    """Brands and shops with public accounts (F2, F3, F11, F18, F22, F23)."""

    n_merchants: int = param(2, "merchants", "assumption", "number of merchants", ge=0, le=10_000)
    account_type: Literal["subscription", "service"] = param(
        "subscription", "name", "F2", "public-account type (push limits of F2)")
    pushes_per_day: float = param(1.0, "pushes/day", "F2 (subscription: 1 a day), F11",
                                  "pushes a day the merchant wants to send", ge=0, le=50)
    follower_share: float = param(0.1, "share of people", "F6",
                                  "share of people following each merchant at start", ge=0, le=1)
    p_open_push: float = param(0.3, "probability", "F2 (pushes are folded)",
                               "probability a follower opens one push", ge=0, le=1)
    annoyance_per_push: float = param(0.101, "annoyance/push",
                                      f"{CAL} (prior 0.6: LIT U5, U6)",
                                      "annoyance of one unwanted push", ge=0, le=1000,
                                      uncertain=(0.1, 1.5))
    unfollow_threshold: float = param(2.67, "annoyance",
                                      f"{CAL} (prior 4: LIT U5, 19% quit above 6/day)",
                                      "annoyance at which a follower unfollows", gt=0, le=1e6,
                                      uncertain=(2, 20))
    segmentation: bool = param(False, "flag", "F18", "push only to followers who need it")
    segment_need: float = param(0.4, "probability", "F18",
                                "need above which a follower is in the segment", ge=0, le=1)
    customer_service: bool = param(False, "flag", "F3c", "invest in customer service")
    service_cost_per_day: float = param(200.0, "RMB/day", "F3c", "cost of customer service",
                                        ge=0, le=1e7)
    service_trust_gain: float = param(0.01, "share of gap/day", "F3c",
                                      "daily trust gain of followers from service", ge=0, le=1)
    paid_followers_per_day: float = param(0.0, "followers/day", "F22",
                                          "followers bought per day through paid traffic",
                                          ge=0, le=1e6)
    cost_per_paid_follower: float = param(2.0, "RMB", "F22", "price of one paid follower", ge=0,
                                        le=1e6)
    offline_followers_per_day: float = param(0.0, "followers/day", "F23",
                                             "followers from offline stores' QR codes", ge=0,
                                             le=1e6)
    catalogue_size: int = param(1, "categories", "F19 (few products sell better)",
                                "product categories in a merchant's catalogue", ge=1, le=1000)
    price: float = param(120.0, "RMB", "assumption", "merchant retail price", gt=0, le=1e7)
    unit_cost: float = param(40.0, "RMB", "assumption", "merchant's cost of one item", ge=0,
                             le=1e7)
    quality: float = param(0.98, "probability", "F3", "genuine probability of merchant goods",
                           ge=0, le=1)
    trust_start: float = param(0.3, "trust", "F22 (paid traffic converts poorly)",
                               "initial follower trust in a merchant", ge=0, le=1)


class GroupParams(_Section):
    """WeChat groups as a channel (F1)."""

    n_groups: int = param(10, "groups", "F1", "number of seller-owned groups (at most one "
                          "per initial reseller: fewer when there are fewer)", ge=0,
                          le=1_000_000)
    max_size: int = param(500, "members", "F1 (groups opened to 500)",
                          "maximum group members", ge=2, le=500)
    mean_size: int = param(100, "members", "assumption", "members a group draws from its "
                           "owner's friends (fewer when the owner has fewer friends; at most "
                           "groups.max_size - 1)", ge=2, le=500)
    p_read: float = param(0.5, "probability", "F1 (groups > Moments)",
                          "probability a member reads a group ad", ge=0, le=1)
    ads_per_day: float = param(2.0, "ads/day", "assumption", "group ads a day by its owner",
                               ge=0, le=100)
    p_direct_reach: float = param(
        0.05, "probability/ad", "assumption (the model's specification, step 4), LIT U15",
        "chance an ad reaches a person who muted the seller via groups or direct messages",
        ge=0, le=1)


class PlatformParams(_Section):
    """The platform's rules; the policy class reads them (F12, F13, F2)."""

    policy: Literal["threshold_ban", "none"] = param(
        "threshold_ban", "name", "F12", "moderation policy")
    report_threshold: int = param(15, "reports", "F12, LIT U13",
                                  "reports within the window that ban an account", ge=1,
                                  le=1_000_000)
    report_window_days: int = param(30, "days", "LIT U13", "window for counting reports",
                                    ge=1, le=3650)
    posting_cap: int = param(0, "ads/day", "F13",
                               "maximum ads a seller may post a day (0 = no cap)", ge=0,
                               le=1000)
    cap_channels: Literal["all", "moments"] = param(
        "all", "name", "F13 (a rule the platform would set)",
        "channels platform.posting_cap applies to: all (Moments ads and group ads, each up to "
        "the cap a day) or moments (Moments ads only; group ads uncapped)")
    counterfeit_report_weight: int = param(
        1, "reports", "assumption, LIT U13 (counterfeit complaints are acted on)",
        "reports toward the ban that one complaint about a counterfeit counts as", ge=0,
        le=1000)
    account_maturity_days: int = param(
        30, "days", "assumption, F12 (养号: new accounts that market hard are banned first)",
        "an account younger than this is banned at a share (age + 1) / this of "
        "platform.report_threshold (1 = account age does not matter)", ge=1, le=3650)
    initial_account_age_max: int = param(
        730, "days", "assumption",
        "the initial resellers' accounts are Uniform{0, ..., this} days old on day 0 "
        "(recruits' accounts are new)", ge=0, le=36500)
    fold_pushes: bool = param(True, "flag", "F2", "fold public-account pushes")
    enforce_push_limits: bool = param(
        True, "flag", "F2", "subscription accounts push at most 1 a day, service 4 a month")
    fold_decay: float = param(0.5, "share", "F2",
                              "each extra push a day is opened this much less often", ge=0, le=1)


class Scenario(BaseModel):
    """A complete, validated scenario.

    Examples
    --------
    >>> s = Scenario()
    >>> s.graph.n_people
    10000
    >>> Scenario.model_validate({"graph": {"n_people": -5}})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Scenario
    ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("default", description="scenario name", max_length=200)
    description: str = Field("", description="what this scenario is for", max_length=20_000)
    run: RunParams = Field(default_factory=RunParams)
    graph: GraphParams = Field(default_factory=GraphParams)
    users: UserParams = Field(default_factory=UserParams)
    trust: TrustParams = Field(default_factory=TrustParams)
    purchase: PurchaseParams = Field(default_factory=PurchaseParams)
    strategies: StrategyParams = Field(default_factory=StrategyParams)
    resellers: ResellerParams = Field(default_factory=ResellerParams)
    merchants: MerchantParams = Field(default_factory=MerchantParams)
    groups: GroupParams = Field(default_factory=GroupParams)
    platform: PlatformParams = Field(default_factory=PlatformParams)
    experiment: dict[str, Any] = Field(
        default_factory=dict,
        description="free-form experiment metadata (question, varies, outputs, claim, sweep)")

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Scenario:
        u = self.users
        total = u.share_tolerant + u.share_muter + u.share_blocker
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"users.share_tolerant + share_muter + share_blocker = {total:.6g} "
                "must equal 1")
        if self.merchants.catalogue_size > self.users.n_categories:
            raise ValueError(
                f"merchants.catalogue_size = {self.merchants.catalogue_size} must be <= "
                f"users.n_categories = {self.users.n_categories}")
        r = self.resellers
        total = r.share_flooder + r.share_mixer + r.share_curated
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"resellers.share_flooder + share_mixer + share_curated = {total:.6g} "
                "must equal 1")
        return self


SECTIONS: dict[str, type[_Section]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in Scenario.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, _Section)
}


def parameter_table() -> list[dict[str, Any]]:
    """All declared parameters as rows.

    Returns
    -------
    list of dict
        One row per parameter with keys ``key`` (``section.name``),
        ``default``, ``unit``, ``range``, ``source``, ``uncertain`` and
        ``doc``.
    """
    rows = []
    for section, cls in SECTIONS.items():
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            lo = hi = None
            for m in field.metadata:
                for attr, side in (("ge", "lo"), ("gt", "lo"), ("le", "hi"), ("lt", "hi")):
                    v = getattr(m, attr, None)
                    if v is not None:
                        if side == "lo":
                            lo = (attr, v)
                        else:
                            hi = (attr, v)
            rng = _format_range(lo, hi, field.annotation)
            rows.append({
                "key": f"{section}.{name}",
                "default": field.default,
                "unit": extra.get("unit", ""),
                "range": rng,
                "source": extra.get("source", ""),
                "uncertain": extra.get("uncertain"),
                "doc": field.description or "",
            })
    return rows


def _format_range(lo: tuple | None, hi: tuple | None, annotation: Any) -> str:
    if annotation is bool:
        return "true/false"
    if getattr(annotation, "__origin__", None) is list:
        return "list of node labels"
    args = getattr(annotation, "__args__", None)
    if args and all(isinstance(a, str) for a in args):
        return " | ".join(args)
    left = "(-inf" if lo is None else ("[" if lo[0] == "ge" else "(") + f"{lo[1]:g}"
    right = "inf)" if hi is None else f"{hi[1]:g}" + ("]" if hi[0] == "le" else ")")
    return f"{left}, {right}"
