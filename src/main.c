#include <stdio.h>
int main(void)
{
    puts("tagfailover " TF_VERSION);
    return 0;
}
