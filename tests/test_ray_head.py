"""The shared Ray head answers tasks; later suites rely on it."""

import ray


def test_ray_head_runs_tasks(ray_head):
    """The shared head runs remote tasks with the 2 CPUs it was started with."""

    @ray.remote
    def square(x: int) -> int:
        return x * x

    assert ray.get([square.remote(i) for i in range(4)]) == [0, 1, 4, 9]
    assert ray.cluster_resources()["CPU"] == 2
