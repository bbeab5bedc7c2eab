/**
 * Test tools that ship with raftkv because {@code raftkv simulate}, {@code check} and {@code chaos}
 * use them: the seeded simulator ({@code sim}), the scenario-script runner ({@code scenario}) and
 * the linearizability checker with its history format ({@code lin}). {@link
 * dev.raftkv.testkit.Describe} prints messages and states the same way for all of them.
 */
package dev.raftkv.testkit;
