#!/usr/bin/python3
"""Independent reference for Kumiki's Japanese metrics (stdlib only; MeCab through its command line).

Written from the published definitions, not from Kumiki's Java code:
- llm-jp-eval: predictions and references are NFKC-normalised (the prediction stripped);
  exact_match_figure = float(pred) == float(true), 0 on ValueError;
  char_f1 = fuzzywuzzy.fuzz.token_sort_ratio(pred, true) / 100 with python-Levenshtein installed.
  fuzzywuzzy 0.18: full_process(s, force_ascii=True) deletes chr(128)..chr(255), replaces re "(?ui)\\W" by " ",
  lower(), strip(); tokens sorted and joined by " "; fuzz.ratio: equal strings -> 100, an empty one -> 0, else
  int(round(100 * Levenshtein.ratio(a, b))), Levenshtein.ratio = 1 - indel_distance / (len(a) + len(b)).
  The indel distance is computed here by its own dynamic programme (insert/delete only), not through an LCS.
- ROUGE-L (rouge_score's rougeL fmeasure) and SQuAD token F1 over MeCab (mecab-ipadic-utf8) morphemes.

Usage: japanese_metrics_reference.py CASES.json OUT.json
CASES.json: {"pairs": [[pred, ref], ...], "texts": [text, ...]}
OUT.json: {"char_f1": [...], "difflib_char_f1": [...], "exact_match_figure": [...], "rouge_l": [...],
           "token_f1": [...], "rouge_tokens": [[...]...], "f1_tokens": [[...]...]}
          (the MeCab parts only when "texts" is not empty and mecab is installed)
"""
import collections
import difflib
import json
import re
import shutil
import subprocess
import sys
import unicodedata

NON_WORD = re.compile(r"(?ui)\W")
LATIN1 = {c: None for c in range(128, 256)}


def full_process(s):
    s = s.translate(LATIN1)
    return NON_WORD.sub(" ", s).lower().strip()


def sort_tokens(s):
    return " ".join(sorted(full_process(s).split())).strip()


def indel_distance(a, b):
    # edit distance with insertions and deletions of one character each, no substitutions
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1]
            else:
                cur[j] = min(prev[j], cur[j - 1]) + 1
        prev = cur
    return prev[len(b)]


def fuzz_ratio(a, b, matcher):
    if a == b:
        return 100
    if len(a) == 0 or len(b) == 0:
        return 0
    return int(round(100 * matcher(a, b)))


def levenshtein_ratio(a, b):
    return 1 - indel_distance(a, b) / (len(a) + len(b))


def difflib_ratio(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio()


def nfkc(s):
    return unicodedata.normalize("NFKC", s)


def char_f1(pred, ref, matcher=levenshtein_ratio):
    p = nfkc(pred).strip()
    r = nfkc(ref)
    return fuzz_ratio(sort_tokens(p), sort_tokens(r), matcher) / 100.0


def exact_match_figure(pred, ref):
    try:
        return 1.0 if float(nfkc(pred).strip()) == float(nfkc(ref)) else 0.0
    except ValueError:
        return 0.0


def mecab_tokens(text):
    out = subprocess.run(["mecab", "-Owakati"], input=text + "\n", capture_output=True, text=True, check=True)
    return out.stdout.split()


def is_punct(tok):
    return all(unicodedata.category(c)[0] in "PS" for c in tok)


def rouge_l(p, r):
    if not p or not r:
        return 0.0
    lcs = len(p) + len(r) - indel_distance(p, r)
    lcs //= 2
    prec = lcs / len(p)
    rec = lcs / len(r)
    return 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0


def token_f1(p, r):
    if not p or not r:
        return float(p == r)
    common = collections.Counter(p) & collections.Counter(r)
    same = sum(common.values())
    if same == 0:
        return 0.0
    prec = same / len(p)
    rec = same / len(r)
    return 2 * prec * rec / (prec + rec)


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    pairs = cases.get("pairs", [])
    out = {
        "char_f1": [char_f1(p, r) for p, r in pairs],
        "difflib_char_f1": [char_f1(p, r, difflib_ratio) for p, r in pairs],
        "exact_match_figure": [exact_match_figure(p, r) for p, r in pairs],
    }
    # the MeCab parts (one mecab process per distinct text) only when texts to segment are given
    if cases.get("texts") and shutil.which("mecab"):
        rt = {}
        ft = {}
        for t in cases.get("texts", []) + [x for pr in pairs for x in pr]:
            if t in rt:
                continue
            rt[t] = mecab_tokens(nfkc(t))
            ft[t] = [x for x in mecab_tokens(nfkc(t).lower()) if not is_punct(x)]
        out["rouge_l"] = [rouge_l(rt[p], rt[r]) for p, r in pairs]
        out["token_f1"] = [token_f1(ft[p], ft[r]) for p, r in pairs]
        out["rouge_tokens"] = [rt[t] for t in cases.get("texts", [])]
        out["f1_tokens"] = [ft[t] for t in cases.get("texts", [])]
    json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)


if __name__ == "__main__":
    main()
