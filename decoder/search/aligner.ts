// Word timing: matches the words of a path with the characters it read, to time each word by its first and last character.

/** A word with the frames of its first and last character (inclusive) and its confidence. */
export interface AlignedWord {
  label: number;
  startFrame: number;
  endFrame: number;
  confidence: number;
}

/**
 * Pairs the word labels of a path with its characters, in order. A graph may emit a word's label before, among or
 * after its characters (determinization delays labels, minimization pushes them towards the start), so the two
 * streams are matched by count: a word takes as many non-space characters as its spelling has (`lengthOf`), or,
 * when that is unknown (−1), the characters up to the next one that follows a space. Space characters only close
 * the character before them. A word is released once its last character's end is known (the next character
 * started, or `flush`).
 *
 * Events are fed in path order (`addWord`, `addChar`); released words are appended to `out`. Memory: the words and
 * characters waiting, a few per word in flight; `copyFrom` lets partial results work on a copy.
 */
export class WordAligner {
  /** Released words, in order. */
  out: AlignedWord[] = [];
  private wLabel: number[] = [];
  private wConf: number[] = [];
  private cStart: number[] = [];
  private cEnd: number[] = [];
  private cAfterSpace: boolean[] = [];
  private spacePending = true;
  /** Last frame known to end a character (for words that find no characters). */
  private lastEnd = -1;

  constructor(private readonly lengthOf: (label: number) => number) {}

  /** Words and characters waiting (not yet released). */
  get pendingWords(): number {
    return this.wLabel.length;
  }

  addWord(label: number, confidence: number): void {
    this.wLabel.push(label);
    this.wConf.push(confidence);
    this.release();
  }

  /**
   * A character starting at `startFrame`; `prevEndFrame` is the last frame of the character before it on the path.
   * `isSpace` for the word separator.
   */
  addChar(startFrame: number, prevEndFrame: number, isSpace: boolean): void {
    const n = this.cEnd.length;
    if (n > 0 && this.cEnd[n - 1] < 0) this.cEnd[n - 1] = Math.max(this.cStart[n - 1], prevEndFrame);
    if (prevEndFrame > this.lastEnd) this.lastEnd = prevEndFrame;
    if (isSpace) {
      this.spacePending = true;
    } else {
      this.cStart.push(startFrame);
      this.cEnd.push(-1);
      this.cAfterSpace.push(this.spacePending);
      this.spacePending = false;
    }
    this.release();
  }

  /** Ends the path: the last character ends at `endFrame`; every waiting word is released. */
  flush(endFrame: number): void {
    const n = this.cEnd.length;
    if (n > 0 && this.cEnd[n - 1] < 0) this.cEnd[n - 1] = Math.max(this.cStart[n - 1], endFrame);
    if (endFrame > this.lastEnd) this.lastEnd = endFrame;
    this.release(true);
    while (this.wLabel.length > 0) {
      // Words left without characters (an inconsistent spelling table): time them at the end.
      const f = this.cEnd.length > 0 ? this.cEnd[this.cEnd.length - 1] : this.lastEnd;
      this.emit(f, f, 0);
    }
    this.cStart.length = 0;
    this.cEnd.length = 0;
    this.cAfterSpace.length = 0;
  }

  /** Makes this aligner a copy of `other` (its released words too, by reference to the same objects). */
  copyFrom(other: WordAligner): void {
    this.copyPendingFrom(other);
    this.out = other.out.slice();
  }

  /** Makes this aligner a copy of `other`'s waiting words and characters, with no released words. */
  copyPendingFrom(other: WordAligner): void {
    this.out = [];
    this.wLabel = other.wLabel.slice();
    this.wConf = other.wConf.slice();
    this.cStart = other.cStart.slice();
    this.cEnd = other.cEnd.slice();
    this.cAfterSpace = other.cAfterSpace.slice();
    this.spacePending = other.spacePending;
    this.lastEnd = other.lastEnd;
  }

  /** Forgets everything (a new utterance). */
  reset(): void {
    this.out = [];
    this.wLabel.length = 0;
    this.wConf.length = 0;
    this.cStart.length = 0;
    this.cEnd.length = 0;
    this.cAfterSpace.length = 0;
    this.spacePending = true;
    this.lastEnd = -1;
  }

  private release(final = false): void {
    while (this.wLabel.length > 0) {
      const len = this.lengthOf(this.wLabel[0]);
      let take: number;
      if (len > 0) {
        if (this.cEnd.length < len) {
          if (!final) return;
          take = this.cEnd.length;
        } else take = len;
      } else {
        // Unknown spelling: up to the next character after a space (or everything at the end).
        take = -1;
        for (let i = 1; i < this.cStart.length; i++) {
          if (this.cAfterSpace[i]) {
            take = i;
            break;
          }
        }
        if (take < 0) {
          if (!final) return;
          take = this.cStart.length;
        }
      }
      if (take === 0) {
        if (!final) return;
        this.emit(this.lastEnd, this.lastEnd, 0);
        continue;
      }
      const end = this.cEnd[take - 1];
      if (end < 0) return;
      this.emit(this.cStart[0], end, take);
    }
  }

  /** Releases the first waiting word with these frames, consuming its `chars` characters. */
  private emit(startFrame: number, endFrame: number, chars: number): void {
    this.out.push({ label: this.wLabel[0], startFrame, endFrame, confidence: this.wConf[0] });
    this.wLabel.shift();
    this.wConf.shift();
    if (chars > 0) {
      this.cStart.splice(0, chars);
      this.cEnd.splice(0, chars);
      this.cAfterSpace.splice(0, chars);
    }
  }
}
