package org.isaerft.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencesTest {
    record Doc(long index, int[] tokens) {}

    static List<TokenSequence> all(Iterator<TokenSequence> it) {
        List<TokenSequence> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    static Iterator<TokenSequence> docs() {
        List<Doc> d = List.of(new Doc(0, new int[] {1, 2, 3, 4, 5}), new Doc(1, new int[0]), new Doc(2, new int[] {6, 7}));
        return Sequences.chunk(d.iterator(), Doc::index, Doc::tokens, 2);
    }

    @Test
    void chunksDocumentsWithoutPacking() {
        List<TokenSequence> s = all(docs());
        assertThat(s).extracting(TokenSequence::document).containsExactly(0L, 0L, 0L, 2L);
        assertThat(s).extracting(TokenSequence::offset).containsExactly(0, 2, 4, 0);
        assertThat(s.get(2).tokens()).containsExactly(5);
        assertThat(s.get(3).tokens()).containsExactly(6, 7);
    }

    @Test
    void bosBecomesAContextOnlyPrefixOfEverySequence() {
        List<Doc> d = List.of(new Doc(0, new int[] {9, 1, 2, 3, 4, 5}), new Doc(1, new int[] {6}));
        List<TokenSequence> s = all(Sequences.chunk(d.iterator(), Doc::index, Doc::tokens, 3, java.util.OptionalInt.of(9)));
        assertThat(s).extracting(TokenSequence::prefix).containsOnly(1);
        assertThat(s.get(0).tokens()).containsExactly(9, 1, 2);
        assertThat(s.get(1).tokens()).containsExactly(9, 3, 4);
        assertThat(s.get(2).tokens()).containsExactly(9, 5);
        assertThat(s.get(3).tokens()).containsExactly(9, 6);
        assertThat(s).extracting(TokenSequence::offset).containsExactly(0, 2, 4, 0);
        List<TokenSequence> limited = all(Sequences.limitTokens(s.iterator(), 3));
        assertThat(limited).hasSize(2);
        assertThat(limited.get(1).tokens()).containsExactly(9, 3);
        assertThat(limited.get(1).minedLength()).isEqualTo(1);
    }

    @Test
    void budgetTruncatesAndShardsPartitionTheStream() {
        List<TokenSequence> limited = all(Sequences.limitTokens(docs(), 4));
        assertThat(limited.stream().mapToInt(TokenSequence::length).sum()).isEqualTo(4);
        assertThat(limited.get(1).tokens()).containsExactly(3, 4);
        List<TokenSequence> a = all(Sequences.shard(Sequences.limitTokens(docs(), 6), 0, 2));
        List<TokenSequence> b = all(Sequences.shard(Sequences.limitTokens(docs(), 6), 1, 2));
        assertThat(a).extracting(TokenSequence::offset).containsExactly(0, 4);
        assertThat(b).extracting(TokenSequence::document).containsExactly(0L, 2L);
        assertThat(a.get(1).tokens()).containsExactly(5);
        assertThat(b.get(1).tokens()).containsExactly(6); // the budget cut the last sequence to one token
        assertThat(a.size() + b.size()).isEqualTo(4);
        assertThatThrownBy(() -> Sequences.shard(docs(), 2, 2)).hasMessageContaining("0 <= I < N");
    }
}
