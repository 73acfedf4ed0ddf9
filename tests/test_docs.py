"""The documentation shows what the code runs with."""

from experiments import docs


def test_parameter_table_in_model_md_is_current():
    # the table is generated from configs/skin/*.yaml; a stale table means the docs lie
    assert docs.main(["--check"]) == 0, "run `python -m experiments.docs` to regenerate docs/model.md"


def test_every_skin_parameter_is_documented_with_units():
    from models.parameters import SKIN_PARAMETERS

    text = docs.DOC.read_text(encoding="utf-8")
    for name, spec in SKIN_PARAMETERS.items():
        assert f"| `{name}` | {spec.units} |" in text
