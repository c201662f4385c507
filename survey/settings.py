"""The `[survey]` section: the SKM's questions and where it is answered (keys in docs/configuration.md).

Each of the nine unsur of PermenPANRB No. 14 Tahun 2017 has a sub-table with its question
and its four answers, worst (score 1) to best (score 4):

    [survey.biaya]
    question = "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?"
    options = ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]

The defaults follow the regulation's sample questionnaire (Lampiran, "Contoh Kuesioner"),
addressing the citizen as "Anda". A unsur left out of the file keeps its default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from config.fields import Line, Section, Text, labelled

Options = Annotated[tuple[Text, Text, Text, Text], Field(strict=False)]


class Question(Section):
    """`[survey.<unsur>]`: one question of the survey and its four answers."""

    question: Text = Field(description="The question, as the citizen reads it.",
                           **labelled("Pertanyaan", "Pertanyaan yang dibaca warga."))
    options: Options = Field(description="The four answers, worst first: they score 1, 2, 3 and 4.",
                             **labelled("Pilihan jawaban", "Empat jawaban, dari yang terburuk (nilai 1) sampai yang "
                                                           "terbaik (nilai 4)."))


def _question(unsur: str, title: str, question: str, options: tuple[str, str, str, str]):
    default = Question(question=question, options=options)
    return Field(default=default, description=f"The question of the unsur {unsur} and its answers.",
                 **labelled(title, f"Pertanyaan unsur {title.lower()} dan empat jawabannya."))


class SurveySettings(Section):
    """`[survey]`: the Survei Kepuasan Masyarakat (docs/survey.md). Every key is optional."""

    persyaratan: Question = _question(
        "persyaratan", "Persyaratan",
        "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"))
    prosedur: Question = _question(
        "prosedur", "Prosedur",
        "Bagaimana pendapat Anda tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"))
    waktu: Question = _question(
        "waktu", "Waktu penyelesaian",
        "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"))
    biaya: Question = _question(
        "biaya", "Biaya/tarif",
        "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"))
    produk: Question = _question(
        "produk", "Produk layanan",
        "Bagaimana pendapat Anda tentang kesesuaian hasil pelayanan yang Anda terima dengan yang tercantum dalam "
        "standar pelayanan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"))
    kompetensi: Question = _question(
        "kompetensi", "Kompetensi pelaksana",
        "Bagaimana pendapat Anda tentang kemampuan petugas dalam memberikan pelayanan?",
        ("Tidak mampu", "Kurang mampu", "Mampu", "Sangat mampu"))
    perilaku: Question = _question(
        "perilaku", "Perilaku pelaksana",
        "Bagaimana pendapat Anda tentang kesopanan dan keramahan petugas dalam memberikan pelayanan?",
        ("Tidak sopan dan tidak ramah", "Kurang sopan dan kurang ramah", "Sopan dan ramah", "Sangat sopan dan ramah"))
    pengaduan: Question = _question(
        "pengaduan", "Penanganan pengaduan",
        "Bagaimana pendapat Anda tentang penanganan pengaduan, saran, dan masukan di unit ini?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"))
    sarana: Question = _question(
        "sarana", "Sarana dan prasarana",
        "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana pelayanan?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"))
    intro: Line = Field(
        "Bantu kami meningkatkan pelayanan. Hanya 9 pertanyaan, tanpa nama, kurang dari satu menit.",
        description="Said before the first question (tablet and status page).",
        **labelled("Kalimat pembuka", "Tampil sebelum pertanyaan pertama, di tablet loket dan di ponsel warga."))
    thanks: Text = Field(
        "Terima kasih atas penilaian Anda. Masukan Anda membantu kami melayani lebih baik.",
        description="Said once the answers are saved.",
        **labelled("Ucapan terima kasih", "Tampil setelah jawaban tersimpan."))
    display_ikm: bool = Field(
        False, description="Show the hall's latest IKM (the last complete month with responses) in the TVs' running "
        "text, after site.running_text: the regulation asks for the index to be published.",
        **labelled("IKM di teks berjalan TV", "Tampilkan IKM terbaru (bulan penuh terakhir yang ada respondennya) "
                                              "di teks berjalan TV, sesuai kewajiban publikasi hasil SKM."))
    tablet_idle_seconds: int = Field(
        45, ge=10, le=600, description="A counter tablet whose survey nobody touches for this many seconds goes "
        "back to waiting (the citizen has left); the answers given so far are not saved.",
        **labelled("Batas diam tablet (detik)", "Tablet loket kembali ke layar tunggu bila survei tidak disentuh "
                                               "selama sekian detik; jawaban yang belum dikirim tidak disimpan."))
    tablet_offer_seconds: int = Field(
        300, ge=30, le=3600, description="How long after a ticket is finished its survey is still offered to a "
        "counter tablet that (re)connects only then.",
        **labelled("Masa tawar survei di tablet (detik)", "Berapa lama setelah layanan selesai survei masih "
                                                         "ditawarkan ke tablet yang baru tersambung."))
    thanks_seconds: int = Field(
        6, ge=2, le=60, description="Seconds the counter tablet shows its thanks before waiting again.",
        **labelled("Lama ucapan terima kasih (detik)", "Berapa detik tablet menampilkan ucapan terima kasih."))
    registered_tablets_only: bool = Field(
        False, description="Only survey tablets registered as devices (/admin/devices, kind survey) are offered a "
        "counter's finished tickets; any other browser opening /survey is refused. A survey offer carries the "
        "ticket's token: switch this on once every counter tablet is registered and paired.",
        **labelled("Hanya tablet survei terdaftar", "Hanya tablet yang terdaftar di menu Perangkat yang menerima "
                                                    "survei dari loket; browser lain yang membuka /survey ditolak. "
                                                    "Aktifkan setelah semua tablet loket didaftarkan dan "
                                                    "dipasangkan."))
