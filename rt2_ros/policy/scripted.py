"""The `scripted` policy backend: the sim's scripted expert behind the Policy interface.

It reads only Observation.privileged_state (the sim's /sim/privileged_state), never the image,
so it runs the whole node graph in simulation before any learned model exists. Its actions go
through the RT-2 tokenizer like a model's: the tokens are published on /rt2/action_tokens and
the action is what they decode to.
"""

from rt2_ros.actions.tokenizer import RT2ActionTokenizer
from rt2_ros.policy.base import Observation, Policy, PolicyStep
from rt2_ros.sim.expert import ExpertConfig, ScriptedExpert
from rt2_ros.sim.privileged import parse


class ScriptedPolicy(Policy):
    token_scheme = "rt2"
    needs_privileged_state = True

    def __init__(self, config: ExpertConfig | None = None, tokenizer: RT2ActionTokenizer | None = None) -> None:
        self.expert = ScriptedExpert(config)
        self.tokenizer = tokenizer or RT2ActionTokenizer.from_config()
        self._episode: int | None = None

    def reset(self) -> None:
        self.expert.reset()
        self._episode = None

    def act(self, observation: Observation) -> PolicyStep:
        if observation.privileged_state is None:
            raise ValueError("the scripted policy needs the sim's /sim/privileged_state; none has arrived")
        state = parse(observation.privileged_state)
        if self._episode is not None and state.episode != self._episode:
            self.expert.reset()  # the sim was reset under a standing command
        self._episode = state.episode
        tokens = self.tokenizer.encode_action(self.expert.act(state))
        return PolicyStep(tokens=tokens, action=self.tokenizer.decode_action(tokens))
