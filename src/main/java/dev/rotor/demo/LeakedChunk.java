package dev.rotor.demo;

/**
 * One retained allocation of the demonstration leak. A class of its own so that a heap
 * histogram names the leak plainly.
 *
 * @param bytes the retained bytes
 */
record LeakedChunk(byte[] bytes) {
}
