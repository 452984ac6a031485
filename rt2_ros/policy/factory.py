"""Build the policy backend a node asks for, importing only that backend (torch and transformers are heavy)."""

from dataclasses import dataclass

from rt2_ros.policy.base import Policy

BACKENDS = ("hf", "remote", "tiny", "scripted")


@dataclass
class PolicyConfig:
    backend: str = "hf"  # hf | remote | tiny | scripted
    model_path: str = ""  # checkpoint folder (hf; tiny: '' = the checkpoint shipped in the package)
    server_url: str = ""  # policy server (remote)
    unnorm_key: str = ""  # dataset_statistics.json key (hf, remote); '' = the only one
    device: str = "cpu"  # cpu | cuda | cuda:N (hf, tiny)
    trust_remote_code: bool = False  # hf: run the checkpoint's own code (off unless the user sets it)
    allow_pickle_weights: bool = False  # hf: accept *.bin weights when there are no safetensors
    decoding: str = "static"  # hf: generate | static | parallel
    compile: bool = False  # hf: torch.compile the vision tower and the decode step
    center_crop_scale: float = 1.0  # hf: area fraction kept by the centre crop before resizing
    gripper_open_is_one: bool = True  # hf, remote: the model's gripper convention
    server_timeout: float = 2.0  # remote: s per request
    tiny_runtime: str = "auto"  # tiny: onnx | torch | auto (ONNX Runtime when the checkpoint has its model.onnx)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend {self.backend!r}; expected one of {BACKENDS}")
        if self.backend == "hf" and not self.model_path:
            raise ValueError("backend 'hf' needs model_path (a checkpoint folder)")
        if self.backend == "remote" and not self.server_url:
            raise ValueError("backend 'remote' needs server_url (e.g. http://gpu-host:8000)")


def make_policy(config: PolicyConfig) -> Policy:
    if config.backend == "hf":
        from rt2_ros.policy.hf.configuration_hf import HFPolicyConfig
        from rt2_ros.policy.hf.modeling_hf import HFPolicy

        return HFPolicy(
            HFPolicyConfig(
                model_path=config.model_path,
                device=config.device,
                unnorm_key=config.unnorm_key,
                trust_remote_code=config.trust_remote_code,
                allow_pickle_weights=config.allow_pickle_weights,
                decoding=config.decoding,
                compile=config.compile,
                center_crop_scale=config.center_crop_scale,
                gripper_open_is_one=config.gripper_open_is_one,
            )
        )
    if config.backend == "remote":
        from rt2_ros.policy.remote import RemotePolicy, RemotePolicyConfig

        return RemotePolicy(
            RemotePolicyConfig(config.server_url, config.unnorm_key, config.server_timeout, config.gripper_open_is_one)
        )
    if config.backend == "scripted":
        from rt2_ros.policy.scripted import ScriptedPolicy

        return ScriptedPolicy()
    from rt2_ros.policy.tiny.policy_tiny import TinyPolicy

    return TinyPolicy(config.model_path or None, config.device, runtime=config.tiny_runtime)
