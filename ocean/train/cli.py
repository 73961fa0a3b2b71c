"""The train and eval subcommands' bodies (ocean/cli.py parses the command line and
imports this module only when one of them runs)."""
import sys

from ocean.config import ConfigError
from ocean.train import config as train_config
from ocean.train.checkpoint import CheckpointError, load_policy
from ocean.train.evaluate import evaluate, summary
from ocean.train.trainer import train


def train_main(name, overrides):
    """Resolve the config (game defaults, a resumed checkpoint's config, then the flags),
    then train. User errors exit with a message naming the key or file."""
    try:
        base = None
        resume = train_config.flag_value(overrides, "--resume")
        if resume:  # the saved run's config, under the flags
            base = load_policy(resume, env_name=name).config
        config = train_config.parse(name, overrides, base)
        return train(name, config)
    except (ConfigError, CheckpointError) as error:
        raise SystemExit(f"ocean train {name}: {error}") from None


def eval_main(args):
    try:
        result = evaluate(args.checkpoint, episodes=args.episodes, num_envs=args.num_envs,
                          seed=args.seed, greedy=args.greedy, device=args.device,
                          env_name=args.env)
    except (ConfigError, CheckpointError) as error:
        raise SystemExit(f"ocean eval: {error}") from None
    print(summary(result), file=sys.stdout)
    return result
