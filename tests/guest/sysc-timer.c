#include "sysc.h"
int main(void){return 0;}
