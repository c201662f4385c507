"""`[data]`: the hub's own data: nightly backups, the disk warning, and how long ticket history is kept.

Read by server/backup.py (the nightly backup and its retention, the history pruning) and
server/board.py (the health board's warnings). Keys in docs/configuration.md; the restore,
step by step, in docs/operations.md.
"""

from __future__ import annotations

from pydantic import Field

from config.fields import Clock, Line, Section, labelled


class DataSettings(Section):
    """`[data]`: backups and retention."""

    backup_time: Clock = Field(
        "21:00", validate_default=True, description="Local time of the nightly backup of the database. A hub "
        "that was off at that time takes it as soon as it starts again.",
        **labelled("Jam pencadangan malam", "Pukul berapa basis data dicadangkan setiap malam. Bila hub mati pada "
                                            "jam itu, cadangan dibuat begitu hub menyala lagi."))
    backup_keep_days: int = Field(
        30, ge=1, le=3650, description="Nightly backups older than this many days are deleted (the newest one is "
        "always kept). Files in the backup folder not named by the hub are never touched.",
        **labelled("Simpan cadangan (hari)", "Cadangan malam yang lebih tua dari sekian hari dihapus; cadangan "
                                             "terbaru selalu disimpan."))
    backup_dir: Line | None = Field(
        None, description="Folder of the nightly backups; unset: <data-dir>/backups. A folder on another disk "
        "(a USB disk, a network share) survives the hub PC's disk; a relative path is relative to the site "
        "file's folder.",
        **labelled("Folder cadangan", "Folder cadangan malam. Kosong: folder backups di dalam folder data. Folder "
                                      "di disk lain (disk USB, berbagi jaringan) tetap selamat bila disk hub rusak."))
    disk_warning_mb: int = Field(
        2048, ge=0, le=10_000_000, description="The health board warns when the data folder's disk (or the backup "
        "folder's) has less free space than this, in MB; 0: never.",
        **labelled("Peringatan disk (MB)", "Papan kesehatan memberi peringatan bila ruang kosong disk data atau "
                                           "cadangan kurang dari sekian MB; 0: tidak pernah."))
    ticket_years: int | None = Field(
        None, ge=1, le=100, description="Tickets (and their history) of days more than this many years ago are "
        "deleted after the nightly backup; unset: kept forever. Reports need years of history: keep it unset "
        "unless the disk or a data-protection rule demands otherwise.",
        **labelled("Simpan riwayat tiket (tahun)", "Tiket dan riwayatnya yang lebih tua dari sekian tahun dihapus "
                                                   "setelah pencadangan malam. Kosong: disimpan selamanya "
                                                   "(laporan membutuhkan riwayat bertahun-tahun)."))
