"""The WAV cache: least recently used calls are evicted, use survives a restart, keys are exact."""

from __future__ import annotations

import os

import pytest
from conftest import counter, make_site, ticket

from audio.announcer import Announcer
from audio.cache import WavCache, cache_key, is_key


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
async def test_a_recalled_call_is_not_evicted(cache_dir):
    """A call announced again (a cache hit) counts as used, so the next render does not delete it."""
    site = make_site({"cache_max_files": 10})
    a = Announcer(site, cache_dir)
    await a.start()
    try:
        first = None
        for n in range(1, 11):
            result = a.announce(ticket(f"A{n}"), counter("1", site))
            first = first or result
            assert await a.wait_ready(key_of(result)) == "ready"
        assert a.announce(ticket("A1"), counter("1", site), recall=True) == first
        other = a.announce(ticket("A99"), counter("2", site))
        assert await a.wait_ready(key_of(other)) == "ready"
        assert a.key_state(key_of(first)) == "ready"
        assert a.synth.syntheses == 11
    finally:
        await a.stop()


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
