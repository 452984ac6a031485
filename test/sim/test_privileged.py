"""/sim/privileged_state JSON: round trip and clear errors for what a reader cannot use."""

import json

import pytest
from states import make_state

from rt2_ros.sim.privileged import TaskState, parse, serialise, to_dict


def sample():
    instruction = "put the red block in the blue bowl"
    task = TaskState("put_in_bowl", instruction, "red block", "blue bowl", None, [0.4, 0.0, 0.02])
    return make_state(task, {"red block": [0.4, 0.0, 0.02], "blue bowl": [0.5, 0.1, 0.0]})


def test_round_trip_keeps_every_field():
    state = sample()
    assert parse(serialise(state)) == state
    assert parse(to_dict(state)) == state


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("task"), "misses"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d["ee"].update(position=[0.1, float("nan"), 0.2]), "finite"),
        (lambda d: d["ee"].update(quaternion=[0, 0, 1]), "4 finite"),
        (lambda d: d["task"].update(kind="juggle"), "task kind"),
        (lambda d: d["task"].update(object="green block"), "not among the objects"),
        (lambda d: d["task"].update(target=None), "needs a target"),
    ],
)
def test_bad_documents_are_refused_with_the_reason(edit, message):
    document = to_dict(sample())
    edit(document)
    with pytest.raises(ValueError, match=message):
        parse(json.dumps(document))


def test_non_json_text_is_refused():
    with pytest.raises(ValueError, match="not JSON"):
        parse("{not json")
    with pytest.raises(ValueError, match="JSON object"):
        parse("[1, 2]")
