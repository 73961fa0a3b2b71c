"""Runs `ocean sweep --backend ray` on a real two-node Ray cluster on this machine
(ray.cluster_utils.Cluster: a head and a worker node, one CPU each, so two trials at once
must run on different nodes), for tests/test_sweep_ray.py. Run it where only loopback
exists (`unshare -n`): every Ray server binds 127.0.0.1. Prints the node ids as one JSON
line, then exits with the sweep."""
import json
import os
import sys

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # nothing leaves the machine

from ray.cluster_utils import Cluster  # noqa: E402 (after the environment is set)

from ocean.cli import main  # noqa: E402

NODE = {"num_cpus": 1, "object_store_memory": 80 * 2**20, "node_ip_address": "127.0.0.1"}

if __name__ == "__main__":
    folder, *sweep_args = sys.argv[1:]
    cluster = Cluster(initialize_head=True, head_node_args={**NODE, "include_dashboard": False})
    cluster.add_node(**NODE)
    try:
        os.chdir(folder)
        main(["sweep", "pong", "--backend", "ray", "--address", cluster.address, *sweep_args])
        print(json.dumps({"nodes": [node.node_id for node in cluster.list_all_nodes()]}),
              flush=True)
    finally:
        cluster.shutdown()
