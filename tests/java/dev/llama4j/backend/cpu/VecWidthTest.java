package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** {@code -Dllama4j.vectorBits}: the width the kernels run at, and unusable values ignored. */
class VecWidthTest {
    @Test
    void thePropertySetsTheWidthTheKernelsUse() {
        String bits = System.getProperty(Vec.BITS_PROPERTY);
        int expected = bits == null ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : Integer.parseInt(bits);
        assertEquals(expected, Vec.F.vectorBitSize());
        assertEquals(expected / 32, Vec.L);
        assertEquals(Vec.L, Vec.I.length());
    }

    @Test
    void unusableValuesLeaveThePreferredWidth() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        for (String bad : new String[] {"96", "1024", "abc", String.valueOf(preferred * 2)}) {
            assertEquals(preferred, Vec.floatSpecies(bad).vectorBitSize(), bad);
        }
        assertEquals(128, Vec.floatSpecies(" 128 ").vectorBitSize());
        assertEquals(preferred, Vec.floatSpecies("").vectorBitSize());
    }
}
