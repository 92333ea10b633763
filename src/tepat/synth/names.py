"""Name lists and a vectorised name builder for synthetic Probolinggo residents.

Kabupaten Probolinggo is "Pendalungan" country: Javanese in the west (Tongas, Sumberasih,
Lumbang, Sumber; Tengger villages around Bromo in Sukapura) and Madurese in the east (Kraksaan,
Paiton, Besuk, Gading, Krucil, Tiris, Pakuniran, Kotaanyar). Names in the family card (KK) follow
these patterns, which the builder reproduces:

- older rural people, Javanese and Madurese alike, often have one word: SUTRISNO, PAINEM,
  MARSUKI, JUMA'ATI, MAIMUNAH;
- Madurese spelling of Arabic names drops the Arabic 'kh' to 'h' (HOLIS for Kholis, HOSNAN for
  Husnan), keeps the hamza as an apostrophe (SA'DIYAH, SAPI'I) and abbreviates Muhammad and Abdul
  (MOH., MAT, ACH., ABD.);
- Arabic-origin compound names are common in every generation (SITI AMINAH, ABDUL ROHMAN,
  NUR HASANAH, KHOIRUL ANAM);
- younger people have two or three words, often modern Indonesian (DWI AYU LESTARI,
  RIZKY PRATAMA, MUHAMMAD RIZKY RAMADHAN);
- there are no family names, and no 'bin/binti' or 'Pak/Bu' in the KK.

Names are written in capitals, as in Dukcapil-derived lists. The lists are ordered roughly from
common to rare: the builder draws early entries more often (a power law), so that SITI, SRI and
MUHAMMAD are frequent and the long tail is rare, as in real lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl


def _words(text: str) -> tuple[str, ...]:
    """Split a block of names on whitespace; '_' joins words that belong together."""
    seen: dict[str, None] = {}
    for word in text.split():
        seen.setdefault(word.replace("_", " ").upper(), None)
    return tuple(seen)


# ---------------------------------------------------------------------------------------------
# Javanese

JAVANESE_MALE = _words("""
Sutrisno Suparman Sugiarto Suharto Sumarno Sukirman Sunarto Suyanto Suwardi Supriyadi Sutikno
Sudarmo Sukardi Sumadi Suwarno Sugeng Subagyo Sudirman Sujarwo Sukarno Sulistyo Sumardi Sunardi
Supardi Suparno Supomo Suprapto Suratman Surip Suroso Susilo Sutarno Sutejo Suwito Suyono Suyitno
Suwandi Subandi Subari Sudarsono Sudarto Sugianto Sugito Suhadi Suhardi Suharjo Suharno Suhartono
Sujadi Sukamto Sukarji Sukirno Sukismo Sumarlan Sumarsono Sumardiyono Sumitro Sumono Sunaryo
Supangat Supeno Supangkat Supriyanto Suradi Surahman Suranto Suratno Surono Suryadi Suryanto
Suryono Sutaji Sutarji Sutopo Sutrimo Suwadi Suwaji Suwarto Suwignyo Suyatno Suyadi Suyud Suwarjo
Sukiman Suparlan Suparjo Supadi Sutiyono Sumaji Sukadi Sudiro Sukarmin Sukardjo Sudiyono Sungkono
Sugiyono Sumanto Sumarto Sumaryono Sunyoto Supandi Supardjo Supriyono Surachman Suryo Susanto
Sutardi Sutrisna Sutrisman Suwarso Suwondo Suyoto Subekti Sudarman Sudibyo Sudjono Sugiman Sugino
Suhendro Sujito Sukarman Sukiran Sulardi Sumadiono Sumarji Sumiran Sunarko Supar Suparto Suprianto
Sardi Sarmin Sarno Sarwono Sarijan Sartono Satimin Sadimin Sadikin Sadino Sadiran Saiman Sajiman
Sakimin Salamun Samijo Samidi Samiran Saniman Sapari Sarmadi Sabar Sahid Sairi Selamet Slamet
Senen Setu Sodikin Sriyanto Sriyono Triyono Triyanto Trimo Tohari Untung Urip Yanto Yatno Yono
Yuwono Paimin Pairin Parman Parmin Partono Paijo Paiman Paidi Pardi Parno Pariyo Poniman Ponidi
Poniran Parjo Pujiono Purnomo Purwanto Purwadi Prayitno Prawoto Pramono Prapto Prayogo Pono Poniyo
Rusdi Rusman Kasmin Kasmo Kasiman Kasdi Kasno Karjo Karmin Karmo Karno Kartono Kasan Kemis Kusnadi
Kusno Kuswanto Kusmanto Kadiman Kardi Katimin Kirno Kliwon Kateno Kamari Kamto Kaswadi Kasiyan
Karsono Kartolo Kasimin Kusnan Kardiman Legiman Legimin Wagiman Wagino Wagimin Wakidi Wakijan
Waluyo Wardoyo Warsito Warsono Warsidi Wartono Waskito Widodo Wiyono Wijayanto Winarno Wibowo
Wahono Wahyono Tarmuji Tarmin Tarno Tukimin Tukiman Tukijo Tugiman Tugiyo Tulus Tumiran Tumijo
Tupon Tumin Tarjo Tasrip Teguh Tarmadi Jumadi Jumari Jumali Jumiran Jumino Jarno Jarwo Jemingan
Jatmiko Joko Jono Jiman Giman Gimin Giyono Gito Gatot Gunadi Gimun Harjo Harsono Hartono Haryanto
Haryono Hariyadi Hariyanto Lasimin Lasiman Lamidi Ngadimin Ngadiman Ngadiran Ngadino Ngatiman
Ngatimin Ngatijo Ngatno Ngasiran Ngaderi Ngadi Mardi Mardiyono Margono Mariyo Marlan Marsono
Martono Maryono Misdi Misman Miskan Miskun Mulyadi Mulyono Muryanto Mujiono Mujianto Mujito
Mukidi Mulyanto Bambang Basuki Bejo Boimin Budiono Budiman Bagyo Bandi Bardi Bari Bibit Darmo
Darmaji Darsono Darto Dalimin Dalijo Dasuki Dirman Djoko Djumadi Endro Rakimin Rakiman Ratno
Rebo Rejo Ribut Rimin Sarwo Sastro Sukijan Sumijan Suwaryo Tarsono Tarsim Wagisan Wasito Wasiran
Wasidi Wiyadi Yatiman Yasmin Darmadi Darmanto Dwiyanto Ponco Pujo Purnadi Puryanto Priyono
Priyanto Priyadi Sriono Sutoyo Kaswan Kasimun Kartiman Jaiman Jaimin Jumangin Kamijo Kamidi
Kamiran Kamijan Lasno Madi Madiran Mangun Mardiono Martoyo Mukiran Mukijan Musimin Ngadenan
Parmo Paryono Pawiro Rasimin Rasiman Rasno Resodikromo Rusmin Saimin Samino Sanimin Satiman
Soekarno Soeparno Soetrisno Soedarmo Soewarno Soemarno Tamin Tariman Tasimin Tuwadi Wagiyo
Wakimin Warso Wiryo Wongso Yadi Yanuri Hadi Budi Agus Eko Heru Edi Dedi Yudi Rudi Hari Teguh_Santoso
""")

JAVANESE_FEMALE = _words("""
Sumiati Suminah Sumini Suminem Sumarni Sumiyati Sunarti Suparmi Supartini Suprapti Surati Suratmi
Suryani Susanti Susilowati Sutini Sutinah Sutiyem Suwarni Suwarti Suyati Suyatmi Suwartini Sukarti
Sukinah Sukini Sukiyem Sulastri Sulistyowati Sundari Sunarsih Supiah Supini Suprihatin Surani
Surtini Susiati Sutarmi Suharti Suhartini Sujiati Sujinah Sukarmi Sulasmi Sumarmi Sumarsih
Sumartini Sumiyem Sunaryati Sumirah Sunarmi Supiyah Sutami Sulikah Sulami Sumijah Sunami Supanti
Painem Paini Paiyem Parmi Partini Parti Pariyem Ponirah Ponijah Poniyem Ponimah Poniati Purwati
Purwanti Rumini Rusmini Rukmini Rasmini Rasmi Rubiyah Rusiyah Kasmini Kasiyem Kasiati Kartini
Karsini Karmini Katini Kemi Kemisah Kusmiati Kusniati Kustini Kuswati Lasmi Lasmini Lastri Legini
Legiyem Marni Marsini Martini Mariyem Marsiah Marsinah Misni Misiyem Mulyani Mulyati Murni Murtini
Murtiningsih Muryani Ngatini Ngatmi Ngatiyem Ngadinah Ngadiyem Ngasini Ngaisah Ngatemi Ngatirah
Nunuk Ninik Parinem Rini Samini Saminah Samiati Sarmi Sarmini Sartini Satinah Siyam Siyem Sriyati
Srini Suwanti Tarmi Tasmini Tatik Tini Tukini Tukinah Tumini Tumirah Tumiyem Tentrem Tutik Uripah
Wagini Wagiyem Waginah Wakiyah Warsini Warsiyem Wartini Warti Wasini Wasiyem Wiji Winarti Widayati
Widarti Wiwik Yati Yatmi Yuliati Yuningsih Endang Erna Ernawati Darmi Darsini Darsih Dasiyah Dayem
Dalinem Giyem Gini Giyati Harmini Harti Hartini Haryati Jumiati Juminten Jumini Jumiyem Jariyah
Jemini Kinem Kiyem Lamini Lasiyem Masriah Misinem Miyati Mujiati Mujinah Ngadini Painah Poniyah
Rasinem Sainem Saini Sami Samirah Satini Sayem Sinem Sripah Tarminah Temu Wahyuni Rahayu Handayani
Setyowati Purwaningsih Sulistyaningsih Kusumawati Pujiastuti Astutik Sriatun Sriani Sriyani Endah
Indah Utami Astuti Lestari Ningsih Sriwahyuni Sukesi Suyatin Tumijah Warsih Wartinah Yatinah
Kasinem Kastinah Katmi Kasrini Kusrini Lamiyem Legisah Marsiyem Marti Miyem Mukinah Muntiah
Murtiah Ngatinem Pariyah Parsini Partinah Pujiati Rasiyem Rebi Resmi Sadinah Saemi Sakinem
Samilah Sarinah Sarpini Sarwini Satiyem Semi Sipon Sukiah Sukarsih Sumiasih Sumiyatun Sunarni
Supinah Surip Surtiyah Susiyah Sutirah Suwarsih Tarni Tasmi Tinah Tugiyem Tukiyem Tumi Wagirah
Wasinah Watini Wiyati Yamini Yayuk Yuli Yulaikah Asih Damini Darsinah Kamisah Kantinah Kartinah
Karsiyem Kasmirah Katijah Lasinah Marsih Mesinah Minah Mirah Mistini Mujirah Nariyah Parmini
Payem Rohyati Sanemi Saniyem Sarkonah Sawinah Suharni Sumarti Supartinah Surtinah Tarsih Tukirah
Waliyem Wariyah Yatmini Kasmiyati Puji Sri_Rejeki
""")

JAVANESE_MALE_FIRST = _words("""
Eko Dwi Tri Agus Budi Joko Slamet Bambang Heru Hadi Teguh Wahyu Yudi Sugeng Gatot Puji Hari Bagus
Adi Catur Edi Dedi Rudi Tono Hendro Imam Untung Bowo
""")

JAVANESE_FEMALE_FIRST = _words("""
Sri Sri Endang Dwi Tri Puji Dewi Tutik Ninik Yuli Rini Umi Erna Lilik Sulis Dyah Nanik Wiwik Ani
Eka Retno Sih Tri_Wahyu
""")

JAVANESE_LAST_EXTRA_MALE = _words("""
Santoso Susanto Prasetyo Wibowo Setiawan Nugroho Purnomo Widodo Hartono Kuncoro Pranoto Raharjo
Wiyono Suryanto Sucipto Cahyono Hermanto Handoko Sulistyo Priyanto Wahyudi Prayitno Mulyono
Irianto Budiarto Haryadi Saputro Kristianto Setyono Subroto Soebroto Wardoyo Utomo Hidayanto
""")

JAVANESE_LAST_EXTRA_FEMALE = _words("""
Wahyuni Rahayu Handayani Lestari Wulandari Astuti Utami Mulyani Suharti Hartini Sumarni Setyowati
Purwaningsih Rahmawati Kusumawati Susanti Ningsih Suryani Sulistyowati Yuliati Hastuti Sriyani
Widyastuti Rejeki Winarsih Wijayanti Pujiastuti Suprihatin Sundari Andayani
""")


# ---------------------------------------------------------------------------------------------
# Madurese

MADURESE_MALE = _words("""
Marsuki Busiri Holis Sahrawi Hosnan Mattali Ruslan Sahri Subaidi Hosnol Mistari Sahwi Buhari
Asmuni Sapi'i Muhlis Matrawi Mattasan Matsani Matnasir Matsaleh Matrai Bahri Baidowi Bakri Basri
Bukhori Daman Dullah Dulla Dulsalam Hairul Halili Hamid Hanafi Haris Hasan Hasyim Hodri Holil
Holik Holiq Homsin Hosen Hosin Hotib Ja'far Jailani Jakfar Jamal Jamhari Jufri Juhri Jumahri
Juma'i Juhari Junaidi Kadar Kamar Kamaruddin Kasdari Kasim Kusairi Laidin Latif Lukman Ma'ruf
Ma'sum Mahfud Mahrus Mahmud Maksum Marsidi Marsuto Marzuki Masduki Masrur Mattahir Misdin
Misnadi Misnari Misto Mistar Mudassir Muhri Mukarrom Mun'im Munir Musleh Mustakim Mustar Mustari
Muzammil Nadi Nahrawi Nasir Nawawi Nuri Nurhasan Rahem Rasid Rasidi Rasit Rawi Romli Rosidi
Ruhan Saberi Sabrawi Sadik Sadli Saefuddin Saffan Sagir Sahadi Sahlan Sahrul Sahuri Sainuddin
Sakur Salam Salamet Saleh Samhadi Samsudin Sanawi Sanhaji Sapuan Sarkawi Sarmuji Satrawi Saturi
Sawi Sayuti Senadin Suhri Suhdi Sukri Sumari Suni Supandi Surahwi Suwaidi Tohir Umar Usman Yasid
Zaini Zainuddin Zubaidi Zuhri Fathorrahman Fathorrosi Fathol Fadoli Faisol Hosairi Kamil
Kamiluddin Marjuki Matsuni Mustofa Rofi'i Safi'i Sya'roni Ja'ie Mu'in Su'ud Sa'i Ma'ali Ma'mun
Na'im Busri Bunadi Buhadi Abdurrahem Abdurrahim Ach Achmadi Ahwan Akhyat Alwi Amiruddin Anwar
Arifin Asnawi Atim Atmari Bahrawi Bunasir Buang Buhori Buniyamin Dulhamid Dulkadir Dulmanan
Dulrasid Edi Fadal Fathurrozi Hafid Halim Hamzah Hannan Hariri Hasbullah Hoirul Hoiri Holidi
Holili Hori Hosnadi Hozairi Imron Irsad Ismail Jaelani Jalal Jamali Jamil Jamiluddin Jasuli
Jumanto Kadiri Kahar Kholili Lutfi Madrawi Mahdi Mahsun Maisur Makruf Manan Mansur Marsaid
Marzuk Masrawi Masrudi Mattawi Matsari Misbahul Miskal Misrawi Misrul Mistar Misyadi Mohlis
Muarif Mudakkir Muhaimin Mujibur Munawi Murtadho Musa'i Mushab Mustawi Nadir Nasar Nurhadi
Nurrahem Rahmat Rahwi Raisuddin Ramli Rasyid Ridwan Rofiq Rosyid Ru'at Sa'dullah Sabar Sabit
Sadri Sahem Sahid Sahwan Saini Sakrawi Saladin Salim Samhari Samsuri Sanadi Sanusi Sapa'at
Sarawi Sarip Sarkani Sarmadi Satuki Sidik Sufyan Suhaimi Sukarno Sulaiman Sumaidi Suparto Surawi
Tahir Taufiq Tohari Toyyib Ubaid Ujang Wahid Wasil Yasin Yunus Zainal Zaiturrahman Zamroni Zubair
""")

MADURESE_FEMALE = _words("""
Maimunah Misnawati Sunaiyah Juma'ati Sa'diyah Hosniyah Hotimah Holifah Hasanah Halimah Hamidah
Hanifah Ma'rufah Masruroh Masrifah Masfufah Maisaroh Mahmudah Marfu'ah Marhamah Marsiyah
Misnati Misriyah Misrati Misyani Misna Muna Munawaroh Musyarofah Musrifah Muzayyanah Nafisah
Nahriyah Nurhayati Nurjanah Nur'aini Rahmah Rohani Rohaniyah Rohmaniyah Rofi'ah Rukoyah Rumlah
Romlah Sabariyah Sadiyah Sahriyah Sahwiyah Saidah Saimah Sainab Salamah Samsiyah Sanimah Sapiyah
Sariyah Satiyah Subaidah Sufiyah Suhaimah Sukriyah Sulaiha Sumaiyah Sumarlik Suniyah Supiati
Suriyani Suwaibah Tijah Toyyibah Umroh Umamah Zainab Zubaidah Zulaikha Hamsiyah Hatijah Hayati
Holisah Hozaimah Jamilah Jazilah Juhairiyah Juma'iyah Jumaati Juwairiyah Kholilah Latifah
Lutfiyah Mahfudoh Maryati Masitah Mas'udah Mu'awanah Mu'anah Mu'arofah Musa'adah Musfiroh
Mutmainnah Nafi'ah Nikmah Ni'mah Rabiah Robiyah Rodiyah Rokayah Salehah Saniyah Sarimah Su'aidah
Su'udiyah Sumaryati Surati Syamsiyah Wasilah Yatimah Zahro Zaitun Ma'isah Asiyah Atijah Aisah
Badriyah Bunaiyah Busani Busyati Dahlia Darwiyah Fadilah Fatimah Hadijah Hafsah Halisah Hamnah
Hannah Hariyah Hasaniyah Hasnah Hayyah Holilah Hommah Hoiriyah Hosnah Husnah Imroatun Ismiyah
Jamiah Juhriyah Jumratun Kamariyah Kamila Kasiyah Komariyah Lailah Maimuna Maisuroh Maknunah
Mariyah Marwiyah Masiyah Masrufah Ma'rifah Mihriyah Misdayanti Misriyeh Misyati Mu'ayyanah Mudawiyah
Muhlisah Muhsinah Mujiyah Munifah Murhamah Musriyah Mustiah Na'imah Nasiyah Nawiyah Nisa
Nurhasanah Nurlaila Nursiyah Patima Qomariyah Rahimah Rasiyah Rasmiyah Ratnawiyah Rifa'ah
Rohmah Rosidah Rosyidah Ruwaidah Sa'adah Saadiyah Sahrah Saidatul Sakinah Salwiyah Samiyah Saniah
Sapura Sarwiyah Sawiyah Siddiqah Sitiyah Soliha Subaiyah Sudiyah Sukainah Sulihah Sumairah
Sumiyah Sunarsih Supiyani Suraiyah Surtiyah Suwarni Syarifah Tarwiyah Ulfah Umayyah Watiyah
Yuhanis Zahriyah Zubaidiyah Zumrotun
""")

MADURESE_MALE_FIRST = _words("""
Moh. Moh. Ach. M. Moch. Mohammad Ahmad
""")

MADURESE_FEMALE_FIRST = _words("""
Siti Siti Nur Ummi Umi
""")


# ---------------------------------------------------------------------------------------------
# Arabic origin

ARABIC_MALE_FIRST = _words("""
Muhammad Moh. M. Ahmad Abdul Achmad Mohammad Mochammad Imam Zainal Khoirul Syaiful Saiful Nur
Nurul Miftahul Fathur Ainur Akhmad Ali Mustofa Ilham Rahmat Hasan Luqman Mokhammad Muhammad
Moch. Ach. Abd. Anis Badrus Fahrur Hasbullah Ikhwanul Jauharul Misbahul Moh Mukhammad Sholeh
Syamsul Zainul Ubaidillah Rohmatul Habibur Lutfi Nurul_Huda
""")

ARABIC_MALE_LAST = _words("""
Rohman Rohim Ghofur Aziz Karim Malik Wahid Kholik Jalil Muthalib Hamid Manan Qodir Rozak Latif
Majid Hadi Basith Fauzi Arifin Anam Huda Hidayat Hidayatullah Syafi'i Sholeh Sholihin Amin
Aminuddin Nasrullah Hamzah Mahfud Mahmud Ma'ruf Mukhlis Munir Yusuf Ibrahim Ismail Ishak Ya'kub
Yunus Musa Harun Idris Zakaria Yahya Sulaiman Daud Luthfi Faisal Fadli Faruq Habibi Hakim Hasyim
Ikhsan Iqbal Irfan Jamaluddin Khoiruddin Kholil Maksum Misbah Mubarok Muhaimin Mujib Mukhtar
Mursyid Nawawi Nizar Rifai Rizal Rosyid Rosyidi Sahal Salim Shodiq Sobirin Subhan Syarif Thohir
Ubaidillah Umar Usman Yasin Zubair Zuhdi Zulkifli Ansori Asy'ari Bahrul Baidhowi Basyir Burhan
Dimyati Fakhrudin Fathoni Ghozali Hambali Hanafi Hilmi Ihsan Jauhari Jazuli Kamaluddin Maftuh
Mahrus Marzuki Masykur Mawardi Mubin Muchlis Mudhofar Muhajir Munawir Muslih Musyafak Muttaqin
Najib Nurhadi Qomaruddin Rofiq Romadhon Sa'dullah Syafa'at Syamsuddin Syukron Tajuddin Ulum Wafa
Zaenuri Zainuri Zamroni Anwar Asrori Asyhari Bisri Abdullah Abdurrahman Ainul_Yaqin Afandi Ahsan
Alawi Amrullah Asyari Azhari Bahrudin Chotib Dzulkifli Fahmi Fatah Fathurrohman Fuad Ghufron
Hafidz Halim Hamdan Hariri Hasbi Hidayatulloh Husain Husein Ilyas Imron Ishom Jailani Jakfar
Jamil Junaidi Kafi Khairul Kholiq Khudori Lukman Mahfudz Makmun Masduqi Misbachul Mu'alim Mubarak
Mudzakir Mufid Muhtadi Mujahid Mukhsin Munawar Muslim Mustaqim Nafi' Nasir Nasrudin Nur_Hakim
Qosim Rahman Ramadhan Ridwan Rifqi Rohmat Sa'id Safrudin Salam Shofi Sirojuddin Subhi Sufyan
Suhail Syafiq Syahid Syamsul_Arifin Thoyib Ulinnuha Wahab Yazid Zaki Zamzami Ashari
""")

ARABIC_MALE_SINGLE = _words("""
Abdullah Muhammad Mukhlis Syaifuddin Hasan Husein Ahmad Mahmud Ismail Ibrahim Yusuf Sulaiman
Umar Usman Hamzah Zakaria Ridwan Nawawi Muhaimin Anwar Ilyas Jamaluddin Asmawi Mansur Nurhadi
Rohman Sholeh Sholihin Muslim Idris Maksum Mahfud Romli Sanusi Syafi'i
""")

ARABIC_FEMALE_FIRST = _words("""
Siti Nur Nurul Umi Ummi Lailatul Ainun Fatimatuz Siti_Nur Rofiatul Laili Zahrotul Nikmatul
Khusnul Ummu Nur_Aini Faridatul Imroatul Khoirun Mas'udatul Nailatul Siti_Khotijah Durrotun
Anisatul Lailatul_Badriyah Luluk Maulidatul Rohmatul Sholihatun Uswatun
""")

ARABIC_FEMALE_LAST = _words("""
Aminah Fatimah Khotijah Maryam Zulaikha Aisyah Rohmah Nurjanah Romlah Masruroh Hasanah Hayati
Aini Kholifah Laili Hidayah Khoiriyah Mukaromah Munawaroh Musyarofah Mutmainah Nadhifah Nafisah
Rahmawati Robi'ah Rofiqoh Sholihah Sa'adah Syarifah Umayah Zubaidah Zahro Zainab Azizah Habibah
Hafidhoh Jamilah Khofifah Kulsum Latifah Mahmudah Maisaroh Marfu'ah Mas'udah Munifah Musdalifah
Muslimah Nikmah Qomariyah Rodhiyah Rukayah Salamah Sofiyah Solikhah Sulaikha Umroh Wardah
Zahrotun Afifah Alfiyah Amalia Aniyah Arifah Asiyah Badriyah Chasanah Chotimah Faizah Faridah
Fitriyah Halimah Hamidah Hanifah Ilmiyah Inayah Istiqomah Izzah Jannah Karimah Khasanah
Khoirunnisa Lailiyah Lathifah Lutfiah Makhmudah Maslahah Mawaddah Muawanah Mubarokah Munawwaroh
Muniroh Musyafa'ah Mufidah Naimah Najiyah Nurhasanah Qoni'ah Rahmatika Rizqiyah Roudhotul Sakinah
Salma Sarah Shofiyah Sholikhah Sa'diyah Ulfa Ulya Umamah Wahidah Zakiyah Zulfa Kurniyah Hanik
Nurul_Hidayah Fauziyah Marwah Safitri
""")

ARABIC_FEMALE_SINGLE = _words("""
Fatimah Aminah Maimunah Khotijah Aisyah Maryam Romlah Zainab Halimah Jamilah Salamah Mahmudah
Hasanah Rukayah Sa'diyah Nafisah Zubaidah Latifah Sholihah Qomariyah Hamidah Maisaroh Masruroh
""")


# ---------------------------------------------------------------------------------------------
# Modern Indonesian

MODERN_MALE_FIRST = _words("""
Rizky Dimas Bagus Aditya Fajar Reza Rafi Alif Naufal Dani Deni Andi Ardi Arif Bayu Dicky Doni
Fandi Ferdi Galih Hendra Indra Joni Yoga Yogi Kevin Krisna Rendy Rico Ryan Sandi Satria Taufik
Tegar Wawan Zaki Aldi Alvin Angga Ari Arya Bima Danang Dedy Dio Erik Fikri Firman Hafiz Hendri
Jefri Nanda Nando Rama Randi Rian Rifki Robby Romi Rudy Septian Tommy Yanuar Yudha Agung Anton
Bagas Dafa Daffa Azka Farhan Fadil Gilang Haikal Irsyad Kafka Raffi Rehan Reyhan Rizqi Syahrul
Zidan Arkan Alfian Aditia Febri Ferry Adam Akbar Aldo Alfin Andika Andre Ardian Arga Aris Arvin
Bintang Bryan Candra Dandi Dendi Dewa Dika Dimas_Adi Dwiki Eko_Prasetyo Fahri Faiz Fanny Fauzan
Feri Gading Guntur Hanif Hilman Irvan Iwan Jaka Khoirul Lucky Mario Mukti Nico Niko Rafa Raka
Rangga Refi Rezky Riko Rival Rizal Roni Sakti Samsul Tio Wahyu Wildan Yusril Zaenal Abi Alvaro
Arfan Athar Dzaky Elang Fatih Ghani Ibnu Keenan Kenzie Rayhan Shaka Yoga_Adi Adrian
""")

MODERN_MALE_MIDDLE = _words("""
Adi Putra Dwi Tri Eka Nur Bagus Aji Dimas Rizky Surya Yoga Bima Dani Hadi Cahya Ilham Mulya
Ardi Indra Wahyu Fajar Agung Panji Eko Yusuf Rahmat Dian Budi Aldi Arya
""")

MODERN_MALE_LAST = _words("""
Pratama Saputra Ramadhan Hidayat Kurniawan Setiawan Maulana Firmansyah Prasetyo Nugroho Wijaya
Permana Kusuma Santoso Susanto Gunawan Hermawan Irawan Kurniadi Kusnadi Pambudi Prakoso Purnama
Putra Rahman Saputro Septiawan Setiadi Sugiharto Syahputra Wibisono Wicaksono Wardana Ardiansyah
Alfarizi Aprilianto Febrianto Agustian Oktavian Novianto Efendi Fahrezi Fadillah Hakim Mahendra
Nugraha Pangestu Rachmadi Ramadhani Riyadi Sanjaya Setyawan Wahyudi Yulianto Adriansyah
Ferdiansyah Julianto Prabowo Hidayatullah Dermawan Darmawan Kurniawan_Putra Pradana Pamungkas
Perdana Prayoga Putra_Pratama Rizaldi Saifullah Sasongko Satrio Setyo Wibowo Wirawan Yudhistira
Aditama Al_Fatih Alfarizqi Andriyanto Arifianto Bramasta Cahyadi Dwiputra Erlangga Fadhilah
Hardiansyah Hendrawan Januar Kusumo Mahardika Maulidan Mubarok Prayitno Rahmadani Sadewa
Saputera Suryadi Syahrizal Utama Wijanarko
""")

MODERN_FEMALE_FIRST = _words("""
Dwi Ayu Putri Dewi Nabila Salsabila Anisa Intan Citra Nadia Aulia Zaskia Rina Fitri Lia Mega Novi
Nia Nina Rani Ratna Rika Rizka Sinta Tika Vina Wulan Yuni Yunita Ani Desi Dian Eka Eva Fani Indah
Kiki Lina Lisa Maya Melati Mila Nanda Novita Puspita Rara Reni Riska Rosa Santi Selvi Siska Susi
Tari Tiara Tri Vivi Winda Yeni Adinda Alya Amelia Anggun Aprilia Bunga Cahya Della Diana Elsa
Febi Fira Hani Ika Irma Jihan Kartika Laras Mawar Nabilah Naila Nayla Nova Oktavia Rahma Risma
Shinta Syifa Vera Yulia Zahra Keisha Kayla Aqila Azzahra Cinta Khanza Alifa Safira Talita Anggi
Ayu_Dwi Devi Dina Dinda Elok Erika Erlina Evi Fitria Hana Heni Ida Ira Kurnia Leni Lilis Linda
Lusi Mira Nisa Nur_Aini Okta Poppy Ratih Rena Rosita Sari Septi Sisca Sofi Sulis Tia Tina Vika
Wida Yanti Yuliana Zulfa Arumi Aurel Azalea Chelsea Clara Gita Hilda Inayah Kirana Luna Nadine
""")

MODERN_FEMALE_MIDDLE = _words("""
Ayu Putri Dwi Tri Nur Eka Dewi Indah Sri Nurul Ratna Siti Kurnia Anggun Puspa Citra Sekar Fitri
Intan Mega Rizki Wulan Tiara Dian Lia Bunga Nadia Laila
""")

MODERN_FEMALE_LAST = _words("""
Lestari Wulandari Safitri Novitasari Rahmawati Anggraini Agustina Oktaviani Puspitasari
Permatasari Kurniasari Handayani Maharani Ramadhani Fitriani Damayanti Febriani Kartikasari
Setiawati Susanti Utami Wahyuni Wardani Yuliani Aprilia Amalia Andriani Apriliani Ariyani
Cahyani Dewanti Fadilah Hidayati Indriani Januarti Juliani Kusumawardani Mardiana Marlina Mayasari
Melinda Nurhaliza Oktavia Pertiwi Pratiwi Puspita Rahayu Ratnasari Riani Savitri Septiani
Sulistiani Triana Widyaningrum Yulianti Zahra Anjani Ardiyanti Arianti Aryani Azizah Cahyaningrum
Eliana Fatmawati Febrianti Fitriana Hapsari Herawati Indrawati Irawati Kusumaningrum
Listiani Lusiana Maulidia Meilani Mulyasari Ningrum Noviana Novianti Nurfadilah Paramitha
Pramesti Prameswari Purwanti Rachmawati Rosalina Sahara Saraswati Setyaningsih Sofia Sukmawati
Suryaningsih Syafitri Trisnawati Wijayanti Yuniarti Zahrani Nuraini Khoirunnisa Aprilianti
Anggraeni Nirmala Kumalasari
""")


# ---------------------------------------------------------------------------------------------
# Styles and pools

STYLES = ("jawa", "madura", "arab", "modern")
JAWA, MADURA, ARAB, MODERN = range(4)


@dataclass(frozen=True)
class Pools:
    """Word pools per (style, sex, slot); slot 0 = single-word name, 1 first, 2 middle, 3 last."""

    words: pl.Series  # all words of all pools, concatenated
    construct: np.ndarray  # per word: an Arabic construct (ABDUL, KHOIRUL) needing an Arabic word
    offset: np.ndarray  # [style, sex, slot] -> start in `words`
    length: np.ndarray  # [style, sex, slot] -> number of words


def _pool_table() -> dict[tuple[int, int, int], tuple[str, ...]]:
    male, female = 0, 1
    jv_m = JAVANESE_MALE
    jv_f = JAVANESE_FEMALE
    md_m = MADURESE_MALE
    md_f = MADURESE_FEMALE
    # MATRAWI, DULLAH are already short for Muhammad / Abdul: not after MOH. or ACH.
    md_last_m = tuple(w for w in md_m if not w.startswith(("MAT", "DUL")))
    return {
        (JAWA, male, 0): jv_m,
        (JAWA, male, 1): JAVANESE_MALE_FIRST,
        (JAWA, male, 2): JAVANESE_MALE_FIRST,
        (JAWA, male, 3): jv_m + JAVANESE_LAST_EXTRA_MALE,
        (JAWA, female, 0): jv_f,
        (JAWA, female, 1): JAVANESE_FEMALE_FIRST,
        (JAWA, female, 2): JAVANESE_FEMALE_FIRST,
        (JAWA, female, 3): jv_f + JAVANESE_LAST_EXTRA_FEMALE,
        (MADURA, male, 0): md_m,
        (MADURA, male, 1): MADURESE_MALE_FIRST,
        (MADURA, male, 2): ARABIC_MALE_LAST[:80],
        (MADURA, male, 3): md_last_m,
        (MADURA, female, 0): md_f,
        (MADURA, female, 1): MADURESE_FEMALE_FIRST,
        (MADURA, female, 2): ARABIC_FEMALE_FIRST,
        (MADURA, female, 3): md_f,
        (ARAB, male, 0): ARABIC_MALE_SINGLE + md_m[:60],
        (ARAB, male, 1): ARABIC_MALE_FIRST,
        (ARAB, male, 2): ARABIC_MALE_LAST[:80] + MODERN_MALE_MIDDLE,
        (ARAB, male, 3): ARABIC_MALE_LAST,
        (ARAB, female, 0): ARABIC_FEMALE_SINGLE + md_f[:60],
        (ARAB, female, 1): ARABIC_FEMALE_FIRST,
        (ARAB, female, 2): MODERN_FEMALE_MIDDLE + ARABIC_FEMALE_LAST[:40],
        (ARAB, female, 3): ARABIC_FEMALE_LAST,
        (MODERN, male, 0): MODERN_MALE_FIRST,
        (MODERN, male, 1): MODERN_MALE_FIRST,
        (MODERN, male, 2): MODERN_MALE_MIDDLE,
        (MODERN, male, 3): MODERN_MALE_LAST,
        (MODERN, female, 0): MODERN_FEMALE_FIRST + MODERN_FEMALE_LAST[:40],
        (MODERN, female, 1): MODERN_FEMALE_FIRST,
        (MODERN, female, 2): MODERN_FEMALE_MIDDLE,
        (MODERN, female, 3): MODERN_FEMALE_LAST,
    }


@cache
def pools() -> Pools:
    table = _pool_table()
    words: list[str] = []
    offset = np.zeros((4, 2, 4), dtype=np.int64)
    length = np.zeros((4, 2, 4), dtype=np.int64)
    for (style, sex, slot), pool in sorted(table.items()):
        offset[style, sex, slot] = len(words)
        length[style, sex, slot] = len(pool)
        words.extend(pool)
    construct = np.array([_is_construct(w) for w in words])
    return Pools(pl.Series("word", words, dtype=pl.String), construct, offset, length)


_CONSTRUCT_ENDINGS = ("UL", "UR", "US", "UZ", "UN")
_CONSTRUCT_WORDS = frozenset({"ABDUL", "ABD.", "UMMU", "FATIMATUZ"})


def _is_construct(word: str) -> bool:
    """Arabic first words that only go with an Arabic second word: ABDUL (ROHMAN), KHOIRUL
    (ANAM), LAILATUL (BADRIYAH). ABDUL SUMARNO would be wrong."""
    last = word.split()[-1]
    return last in _CONSTRUCT_WORDS or (len(last) > 4 and last.endswith(_CONSTRUCT_ENDINGS))


def given_names() -> frozenset[str]:
    """Every distinct word a name can be built from (for tests and documentation)."""
    return frozenset(w for pool in _pool_table().values() for w in pool)


# ---------------------------------------------------------------------------------------------
# The builder

# Share of one-, two- and three-word names by birth cohort (upper bound of the birth year).
_WORD_COUNTS: tuple[tuple[int, tuple[float, float, float]], ...] = (
    (1959, (0.80, 0.20, 0.00)),
    (1979, (0.60, 0.37, 0.03)),
    (1994, (0.35, 0.55, 0.10)),
    (2009, (0.15, 0.55, 0.30)),
    (9999, (0.08, 0.50, 0.42)),
)

# Share of name styles by cohort: (ethnic = Javanese or Madurese by the family, Arabic, modern).
_STYLE_SHARES: tuple[tuple[int, tuple[float, float, float]], ...] = (
    (1959, (0.75, 0.25, 0.00)),
    (1979, (0.55, 0.37, 0.08)),
    (1994, (0.30, 0.42, 0.28)),
    (2009, (0.12, 0.42, 0.46)),
    (9999, (0.08, 0.42, 0.50)),
)


def _by_cohort(table, birth_year: np.ndarray) -> np.ndarray:
    bounds = np.array([upper for upper, _ in table])
    shares = np.array([s for _, s in table])
    return shares[np.searchsorted(bounds, birth_year)]


def _categorical(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One draw per row from the categorical distribution in each row of `probabilities`."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(probabilities))[:, None]
    return (u > cumulative).sum(axis=1)


def build_names(
    rng: np.random.Generator,
    female: np.ndarray,
    birth_year: np.ndarray,
    madurese: np.ndarray,
) -> pl.Series:
    """One upper-case name per person.

    `female` and `madurese` (the family's ethnic background) are boolean arrays, `birth_year` an
    integer array. Draws are vectorised: a handful of numpy calls whatever the number of people.
    """
    n = len(female)
    p = pools()
    sex = female.astype(np.int64)
    n_words = _categorical(rng, _by_cohort(_WORD_COUNTS, birth_year)) + 1
    shares = _by_cohort(_STYLE_SHARES, birth_year).copy()
    # Madurese families give Arabic names more often.
    shares[:, 1] *= np.where(madurese, 1.35, 1.0)
    kind = _categorical(rng, shares)  # 0 ethnic, 1 Arabic, 2 modern
    ethnic = np.where(madurese, MADURA, JAWA)
    style = np.select([kind == 0, kind == 1], [ethnic, ARAB], MODERN)
    # The last word of a two- or three-word Arabic or modern name is often ethnic instead
    # (SITI SUMARNI, MUHAMMAD SAHRI, DWI SUMIATI) - among older people; the ethnic one-word
    # names are old-fashioned, so young people rarely get one as a last word.
    ethnic_last = np.where(birth_year < 1980, 0.25, np.where(birth_year < 2000, 0.10, 0.03))
    switch = (style != ethnic) & (rng.random(n) < ethnic_last)

    def pick(style_: np.ndarray, slot: int, skew: float) -> np.ndarray:
        start = p.offset[style_, sex, slot]
        size = p.length[style_, sex, slot]
        k = np.floor(size * rng.random(n) ** skew).astype(np.int64)
        return start + np.minimum(k, size - 1)

    single = pick(style, 0, 1.6)
    first = pick(style, 1, 1.8)
    middle = pick(style, 2, 1.4)
    # ... but never after an Arabic construct (ABDUL, KHOIRUL, LAILATUL).
    last_style = np.where(switch & ~p.construct[first], ethnic, style)
    last = pick(last_style, 3, 1.5)
    words = p.words
    frame = pl.DataFrame(
        {
            "n": n_words,
            "single": words.gather(single),
            "first": words.gather(first),
            "middle": words.gather(middle),
            "last": words.gather(last),
        }
    )
    three = pl.concat_str("first", "middle", "last", separator=" ")
    two = pl.concat_str("first", "last", separator=" ")

    def distinct_words(name: pl.Expr) -> pl.Expr:  # no SRI SRI SURATI, SITI KHOTIJAH KHOTIJAH
        words = name.str.split(" ")
        return words.list.n_unique() == words.list.len()

    return frame.select(
        pl.when((pl.col("n") == 3) & distinct_words(three))
        .then(three)
        .when((pl.col("n") >= 2) & distinct_words(two))
        .then(two)
        .when(pl.col("n") >= 2)
        .then(pl.col("first"))
        .otherwise(pl.col("single"))
        .alias("nama")
    ).to_series()


# ---------------------------------------------------------------------------------------------
# Typos (duplicate families are typed in again by someone else)

_VOWEL_SWAPS = (("E", "I"), ("I", "E"), ("O", "U"), ("U", "O"), ("A", "E"))
_SPELLING_SWAPS = (
    ("MOH.", "MOCH."),
    ("MOCH.", "MOH."),
    ("MUHAMMAD", "MUHAMAD"),
    ("MOHAMMAD", "MOHAMAD"),
    ("ACHMAD", "AHMAD"),
    ("AHMAD", "ACHMAD"),
    ("KH", "H"),
    ("SITI", "SITTI"),
    ("SY", "S"),
    ("DJ", "J"),
    ("OE", "U"),
    ("IYAH", "IAH"),
    ("'", ""),
    ("TH", "T"),
    ("DH", "D"),
    ("ROHMAN", "RAHMAN"),
    ("ABD.", "ABDUL"),
    ("M.", "MUHAMMAD"),
    ("NUR ", "NUR"),
)


def typo(name: str, rng: np.random.Generator) -> str:
    """A small, plausible misspelling of `name` (never identical to it)."""
    for _ in range(8):
        choice = int(rng.integers(0, 5))
        out = name
        if choice == 0:  # a known spelling variant
            candidates = [(a, b) for a, b in _SPELLING_SWAPS if a in name]
            if candidates:
                a, b = candidates[int(rng.integers(0, len(candidates)))]
                out = name.replace(a, b, 1)
        elif choice == 1:  # a vowel heard differently (SUTRISNO -> SUTRESNO)
            positions = [i for i, ch in enumerate(name) if ch in "AEIOU" and i > 0]
            if positions:
                i = positions[int(rng.integers(0, len(positions)))]
                swaps = [b for a, b in _VOWEL_SWAPS if a == name[i]]
                out = name[:i] + swaps[int(rng.integers(0, len(swaps)))] + name[i + 1 :]
        elif choice == 2:  # a letter dropped
            positions = [i for i, ch in enumerate(name) if ch.isalpha() and i > 0]
            if len(positions) > 3:
                i = positions[int(rng.integers(0, len(positions)))]
                out = name[:i] + name[i + 1 :]
        elif choice == 3:  # two neighbouring letters swapped
            positions = [
                i
                for i in range(1, len(name) - 1)
                if name[i].isalpha() and name[i + 1].isalpha() and name[i] != name[i + 1]
            ]
            if positions:
                i = positions[int(rng.integers(0, len(positions)))]
                out = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        else:  # a letter doubled (SAHRI -> SAHHRI) or a double letter made single
            positions = [i for i, ch in enumerate(name) if ch.isalpha() and i > 0]
            if positions:
                i = positions[int(rng.integers(0, len(positions)))]
                out = name[:i] + name[i] + name[i:]
        out = " ".join(out.split())
        if out and out != name:
            return out
    return name + "H" if not name.endswith("H") else name[:-1]
