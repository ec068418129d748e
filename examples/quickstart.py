"""Quickstart: the outline, the sentences (with section, policy area and directive flag) and the
entities of the bundled sample speech.

    python examples/quickstart.py [FILE]

With FILE (any of UTF-8, UTF-16, GB18030/GBK, Big5), that speech is read instead.
"""

import sys

import policy_nlp


def main() -> None:
    nlp = policy_nlp.load()
    if len(sys.argv) > 1:
        text = policy_nlp.read_text_file(sys.argv[1]).text
    else:
        text = policy_nlp.sample_speech()
    doc = nlp(text)

    print("Outline")
    for item in doc._.outline:
        print("  " * item["level"] + item["text"])

    print("\nSentences")
    for i, sent in enumerate(doc.sents):  # doc._.sentences gives the same sentences without trailing white space
        if not sent.text.strip():
            continue  # white space before the first sentence
        flag = "directive" if sent._.directive else "descriptive"
        print(f"{i:3d}  [{sent.start_char:>5}:{sent.end_char:<5}]  {sent._.area} ({sent._.area_scores[sent._.area]:.2f}), "
              f"{flag} ({sent._.directive_score:.2f})  {sent.text.strip()}")
        if sent._.section:
            print(f"{'':5}  section: {' > '.join(sent._.section_path)}")

    print("\nEntities")
    print("  ".join(f"{e.text}/{e.label_}" for e in doc.ents))

    record = policy_nlp.to_record(doc)
    print(f"\n{len(record['sentences'])} sentences, {len(record['outline'])} outline items "
          f"{len(record['entities'])} entities (record schema v{record['schema_version']})")


if __name__ == "__main__":
    main()
