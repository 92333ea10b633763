"""TEMPORARY shim (replaced by the helper's module)."""

def normalise_name_expr(col):
    return col.str.to_uppercase().str.replace_all(r"[^A-Z ]", " ").str.replace_all(r" +", " ").str.strip_chars()

def sorted_tokens_expr(col):
    return col.str.split(" ").list.sort().list.join(" ")

def name_phonetic_expr(col):
    first = col.str.split(" ").list.first()
    return first.str.slice(0, 1) + first.str.slice(1).str.replace_all(r"[AEIOUHY]", "")

def name_phonetic_last_expr(col):
    last = col.str.split(" ").list.last()
    return last.str.slice(0, 1) + last.str.slice(1).str.replace_all(r"[AEIOUHY]", "")
