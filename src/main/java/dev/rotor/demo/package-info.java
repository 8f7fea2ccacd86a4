/**
 * Demonstration aids, off by default: a slow public route ({@code /demo/work}) and a
 * deliberate leak per counted request, so that rotation can be shown and measured.
 */
package dev.rotor.demo;
