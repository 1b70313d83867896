/* placeholder until this test lands */
int main(void) { return 77; }
