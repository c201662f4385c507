"""The WAV cache: least recently used calls are evicted, use survives a restart, keys are exact."""

from __future__ import annotations

import os

import pytest
from conftest import counter, make_site, ticket, wait_for

from audio import cache
from audio.announcer import Announcer
from audio.cache import KeptCalls, WavCache, cache_key, is_key


def key_of(result: dict) -> str:
    return result["audio_url"].removeprefix("/audio/").removesuffix(".wav")


def filled(directory, count: int) -> tuple[WavCache, list[str]]:
    """A cache holding `count` calls written one second apart, oldest first."""
    cache = WavCache(directory, max_files=10)
    keys = [cache_key(n=n) for n in range(count)]
    for n, key in enumerate(keys):
        cache.store(key, b"RIFF")
        os.utime(cache.path(key), (1_000_000 + n, 1_000_000 + n))
    return WavCache(directory, max_files=10), keys  # reopened: the order comes from the files


def test_eviction_deletes_the_least_recently_used(tmp_path):
    """Over max_files, the calls unused the longest go first, down to 90%; a touched one stays."""
    cache, keys = filled(tmp_path, 10)
    assert cache.touch(keys[0])
    cache.store(cache_key(n="new"), b"RIFF")
    assert len(cache) == 9
    assert keys[0] in cache and cache_key(n="new") in cache
    assert [k for k in keys if k not in cache] == keys[1:3]
    assert not cache.path(keys[1]).exists() and cache.path(keys[0]).exists()


def test_use_order_survives_a_restart(tmp_path):
    """A call touched before a restart is still recent after it."""
    cache, keys = filled(tmp_path, 10)
    assert cache.touch(keys[0])
    reopened = WavCache(tmp_path, max_files=10)
    reopened.store(cache_key(n="new"), b"RIFF")
    assert keys[0] in reopened and keys[1] not in reopened


def test_touch_of_a_deleted_file_is_a_miss(tmp_path):
    """A call whose file was deleted behind the cache's back counts as not cached."""
    cache, keys = filled(tmp_path, 3)
    cache.path(keys[1]).unlink()
    assert not cache.touch(keys[1])
    assert keys[1] not in cache and not cache.touch("f" * 24)


def test_keys_are_exactly_24_hex_digits():
    """A trailing newline, capitals or another length is not a key."""
    key = cache_key(n=1)
    assert is_key(key)
    assert not is_key(key + "\n") and not is_key(key.upper()) and not is_key(key[:-1])


@pytest.mark.asyncio
async def test_a_recalled_call_is_not_evicted(cache_dir, monkeypatch):
    """A call pre-rendered, then announced (a cache hit), counts as used, so later renders do not delete it."""
    monkeypatch.setattr(cache, "KEEP_SECONDS", 0)  # only the use order and each zone's last 12 calls keep a file
    site = make_site({"cache_max_files": 38})  # the minimum for make_site's 2 zones and 7 counters
    a = Announcer(site, cache_dir)
    await a.start()
    try:
        hinted = [(ticket(f"A{n}"), counter("1", site)) for n in range(1, 39)]
        a.prerender(hinted)
        wait_for(lambda: a.synth.syntheses == 38, what="38 pre-renders")
        first = a.announce(*hinted[0], recall=True)
        assert await a.wait_ready(key_of(first)) == "ready" and a.synth.syntheses == 38
        a.prerender([(ticket(f"C{n}"), counter("2", site)) for n in range(1, 5)])
        wait_for(lambda: a.synth.syntheses == 42, what="4 more pre-renders")
        assert a.key_state(key_of(first)) == "ready" and a.cache.path(key_of(first)).exists()
        assert len(a.cache) <= 38
    finally:
        await a.stop()


def test_kept_calls_are_never_evicted(tmp_path):
    """Keys named by `keep` stay on disk even when every other file has gone and the cache is over its size."""
    kept: set[str] = set()
    store = WavCache(tmp_path, max_files=10, keep=lambda: kept)
    keys = [cache_key(n=n) for n in range(30)]
    for key in keys[:12]:
        kept.add(key)
        store.store(key, b"RIFF")
    for key in keys[12:]:
        store.store(key, b"RIFF")
    assert all(key in store and store.path(key).exists() for key in keys[:12])
    assert keys[-1] in store and len(store) <= 12 + 1


def test_kept_calls_window():
    """KeptCalls holds each zone's last calls and every call of the last `seconds`, by its clock."""
    now = [0.0]
    window = KeptCalls(per_zone=2, seconds=60, clock=lambda: now[0])
    for n in range(4):
        window.add("lantai-2", f"k{n}")
    window.add("lantai-3", "other")
    assert window.keys() == {"k0", "k1", "k2", "k3", "other"}
    now[0] = 61
    assert window.keys() == {"k2", "k3", "other"}


@pytest.mark.asyncio
async def test_a_deleted_file_is_rendered_again(cache_dir, site):
    """When a cached WAV disappears from disk, the next call of it renders it again."""
    a = Announcer(site, cache_dir)
    await a.start()
    try:
        result = a.announce(ticket("A5"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "ready"
        a.cache.path(key_of(result)).unlink()
        assert a.announce(ticket("A5"), counter("1", site)) == result
        assert await a.wait_ready(key_of(result)) == "ready"
        assert a.cache.path(key_of(result)).exists() and a.synth.syntheses == 2
    finally:
        await a.stop()
